"""The TOML deck format: reading and checking deck files, their fields, note types and templates."""
