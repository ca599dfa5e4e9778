"""One student, many devices: review events exchanged through a folder any sync tool carries.

The review log is the truth and an item's SM-2 state is a function of it
(:mod:`.replay`). Each device appends its events to its own file in the folder
(:mod:`.eventfile`), reads the others', merges them by event id and replays
(:mod:`.folder`).
"""
