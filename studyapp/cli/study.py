"""Studying: review, stats, exams, settings and today's extra new cards."""

from __future__ import annotations

import json
from contextlib import suppress

import click

from studyapp.cli.base import Context, cli, fail, json_text, run_app
from studyapp.sanitize import one_line
from studyapp.store import DatabaseError, InputError, Store
from studyapp.store.connection import utcnow


@cli.command()
@click.option("--deck", "deck_id", metavar="ID", help="Only this deck (its id).")
@click.option(
    "--tag", metavar="TAG", help="Only this tag and its children, e.g. mechanism::pain-modulation."
)
@click.option(
    "--cram",
    is_flag=True,
    help="Study seen cards ahead without changing the schedule (answers are logged as cram).",
)
@click.option(
    "--ahead",
    type=click.IntRange(0, 3650),
    metavar="DAYS",
    help="With --cram: everything due in the next DAYS days.",
)
@click.option(
    "--weak",
    is_flag=True,
    help="Weak spots: the cards with the lowest predicted recall today (schedule untouched).",
)
@click.option("--no-images", is_flag=True, help="Text only: pictures show as their alt text.")
@click.pass_obj
def review(
    context: Context,
    deck_id: str | None,
    tag: str | None,
    cram: bool,
    ahead: int | None,
    weak: bool,
    no_images: bool,
) -> None:
    """Open the app straight into reviewing what is due (or cramming, or weak spots)."""
    from studyapp.study.session import Scope

    if cram and weak:
        raise click.UsageError("choose --cram or --weak, not both")
    if ahead is not None and not cram:
        raise click.UsageError("--ahead goes with --cram")
    mode = "cram" if cram else "weak" if weak else "scheduled"
    _check_scope(context.study_store(), deck_id, tag)
    run_app(
        context,
        start="review",
        scope=Scope(deck_id=deck_id, tag=tag),
        mode=mode,
        ahead_days=ahead,
        images=not no_images,
    )


def _known(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit]) + (", …" if len(values) > limit else "")
    return shown or "none"


def _refresh_memory(store: Store) -> None:
    # A read-only database keeps the memory figures it has; the rest of stats still runs.
    with suppress(DatabaseError):
        store.memory.refresh(utcnow())


def _check_scope(store: Store, deck_id: str | None, tag: str | None) -> None:
    """An unknown --deck or --tag is a usage error (exit 2), before the app opens."""
    if deck_id is not None:
        decks = list(store.decks.names())
        if deck_id not in decks:
            fail(f"no deck with id '{deck_id}' (known: {_known(decks)})", code=2)
    if tag is not None:
        tags = sorted(name for name, _ in store.browse.tag_counts())
        if tag not in tags:
            fail(f"no cards tagged '{tag}' (known: {_known(tags)})", code=2)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def stats(context: Context, as_json: bool) -> None:
    """Progress: counts, forecast, heatmap, retention, mastery by topic, leeches, memory."""
    from studyapp import stats as stats_module

    store = context.study_store()
    today = context.today()
    if store.memory.fit_due():
        # Not a review: the student asked for figures, so fitting may take its time here.
        _refresh_memory(store)
    summary = store.progress.summary(today)
    figures = stats_module.compute(store, today)
    if as_json:
        from studyapp.settings import load_settings
        from studyapp.study.exam_forecast import exam_json

        exams = exam_json(store, today, load_settings(store).new_per_day)
        out = {**summary, **figures.to_json(), "exams": exams}
        click.echo(json_text(out))
        return
    from rich.console import Console
    from rich.rule import Rule

    from studyapp.report import sections

    console = Console(soft_wrap=False)
    console.print(
        f"[b]Cards[/b] {summary['cards']}"
        + (f" (+{summary['suspended']} suspended)" if summary["suspended"] else "")
        + f"   [b]New[/b] {summary['new']}   "
        f"[b]Due today[/b] {summary['due_today']}   "
        f"[b]Reviews logged[/b] {summary['reviews']}"
    )
    for title, renderable in sections(figures):
        console.print(Rule(title, align="left", style="grey42"))
        console.print(renderable)


@cli.command()
@click.argument("when", metavar="DATE", required=False)
@click.option("--deck", "deck_ids", multiple=True, metavar="ID", help="A deck it covers (repeat).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag it covers (repeat).")
@click.option("--name", help="What to call it (default: its deck or tag).")
@click.option(
    "--all-decks",
    is_flag=True,
    help="Moving an exam: widen it to every deck (else it keeps its scope).",
)
@click.option(
    "--target",
    metavar="RECALL",
    help="Recall to reach on the day, e.g. 90% or 0.9 (default 90%; a moved exam keeps its own).",
)
@click.option(
    "--minutes",
    metavar="N",
    help="Daily study budget in minutes (default: your usual day lately).",
)
@click.option("--remove", metavar="NAME", help="Forget the exam of this name.")
@click.pass_obj
def exam(
    context: Context,
    when: str | None,
    deck_ids: tuple[str, ...],
    tags: tuple[str, ...],
    name: str | None,
    all_decks: bool,
    target: str | None,
    minutes: str | None,
    remove: str | None,
) -> None:
    """Set an exam (DATE as YYYY-MM-DD; all decks unless --deck/--tag), list them, or remove one.

    A name in use moves that exam: the date changes, the scope stays unless given anew.

    New cards of its scope are paced to be seen a margin before it (the
    exam_margin_days setting); its plan brings forward the cards that would be
    forgotten by the day, and every card below target comes up in that final window.
    Each coming exam shows its projected recall on the day (from the memory model),
    if you follow the plan and if you stop today, and what the target would take.
    """
    from studyapp.settings import load_settings
    from studyapp.study.exam import parse_exam_date, set_exam
    from studyapp.study.exam_forecast import report_lines
    from studyapp.study.exam_recall_plan import parse_minutes, parse_target

    if remove and (when or deck_ids or tags or name or all_decks or target or minutes):
        raise click.UsageError("--remove goes alone")
    if all_decks and (deck_ids or tags):
        raise click.UsageError("--all-decks or --deck/--tag, not both")
    if not when and (deck_ids or tags or name or all_decks or target or minutes):
        raise click.UsageError("give the exam's DATE")
    store = context.study_store()
    today = context.today()
    if remove:
        if not store.exams.remove(remove):
            fail(f"no exam named {remove!r}", code=2)
        click.echo(one_line(f"Removed {remove}"))
        return
    if when:
        try:
            day = parse_exam_date(when, today)
            target_recall = None if target is None else parse_target(target)
            budget = None if minutes is None else parse_minutes(minutes)
        except ValueError as exc:
            fail(str(exc))
        try:
            exam_, created = set_exam(
                store,
                day,
                deck_ids=deck_ids,
                tags=tags,
                name=name,
                all_decks=all_decks,
                target=target_recall,
                minutes_per_day=budget,
            )
        except InputError as exc:
            # An unknown --deck or --tag: a usage error, as for `review` (exit 2).
            fail(str(exc), code=2)
        click.echo(one_line(f"{'Set' if created else 'Moved'} {exam_.name} to {day.isoformat()}"))
    lines = report_lines(store, today, load_settings(store).new_per_day)
    # Exam names, deck names and tags are the student's or a deck's text: one line each.
    click.echo(
        "\n".join(map(one_line, lines)) if lines else "No exams set: `studyapp exam YYYY-MM-DD`."
    )


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("name", required=False)
@click.argument("value", required=False)
@click.pass_obj
def settings(context: Context, name: str | None, value: str | None) -> None:
    """Show settings, or set one: `studyapp settings new_per_day 30`.

    A deck's own daily limit: `studyapp settings new_per_day.DECK-ID 5` (`default` removes it).
    """
    from studyapp.settings import (
        DECK_LIMIT_PREFIX,
        SETTING_HELP,
        load_settings,
        save_setting,
        setting_names,
        shown_value,
    )

    store = context.study_store()
    current = load_settings(store)
    if name is None:
        for key in setting_names():
            line = one_line(f"{key} = {shown_value(getattr(current, key))}")
            click.echo(f"{line:<32}  # {SETTING_HELP[key]}")
        for deck_id, limit in sorted(current.deck_new_per_day.items()):
            click.echo(one_line(f"{DECK_LIMIT_PREFIX}{deck_id} = {limit}"))
        return
    per_deck = name.startswith(DECK_LIMIT_PREFIX)
    if name not in setting_names() and not per_deck:
        from difflib import get_close_matches

        close = get_close_matches(name, setting_names(), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        fail(f"unknown setting '{name}' ({hint}known: {', '.join(setting_names())})", code=2)
    if per_deck and name[len(DECK_LIMIT_PREFIX) :] not in store.decks.names():
        fail(f"no deck with id {name[len(DECK_LIMIT_PREFIX) :]!r}", code=2)
    if value is None:
        shown = (
            current.new_per_day_for(name[len(DECK_LIMIT_PREFIX) :])
            if per_deck
            else getattr(current, name)
        )
        click.echo("default" if shown is None else one_line(shown_value(shown)))
        return
    save_setting(store, name, value)
    click.echo(one_line(f"{name} = {value}"))


@cli.command("more-new")
@click.argument("count", type=click.IntRange(1, 9999))
@click.pass_obj
def more_new(context: Context, count: int) -> None:
    """Study COUNT more new cards today than the limits allow (Anki's Custom Study)."""
    from studyapp.settings import extend_new_cards

    total = extend_new_cards(context.study_store(), context.today(), count)
    # `total` is the day's whole extension: an earlier `more-new` today is part of it.
    earlier = f" ({total} in all today)" if total != count else ""
    click.echo(
        f"Today's new-card limits are raised by {count}{earlier}; tomorrow the usual ones apply."
    )


@cli.command()
@click.option(
    "--days", type=click.IntRange(1, 365), default=30, show_default=True, help="Days ahead."
)
@click.option(
    "--retention",
    "retentions",
    type=click.FloatRange(0.70, 0.97),
    multiple=True,
    metavar="R",
    help="A desired retention for FSRS (0.70-0.97; repeatable). Default: 0.80 0.85 0.90 0.95.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def simulate(context: Context, days: int, retentions: tuple[float, ...], as_json: bool) -> None:
    """Help me decide: reviews and minutes a day ahead, SM-2 vs FSRS at each retention."""
    from studyapp.memory.simulate import (
        DEFAULT_RETENTIONS,
        DEFAULT_SECONDS_PER_ANSWER,
        simulate_load,
    )

    store = context.study_store()
    today = context.today()
    if store.memory.fit_due():
        _refresh_memory(store)
    cards = store.memory.cards_to_simulate()
    seconds = store.memory.seconds_per_answer(today) or DEFAULT_SECONDS_PER_ANSWER
    loads = simulate_load(
        store.memory.parameters(),
        cards,
        today,
        days,
        retentions or DEFAULT_RETENTIONS,
        seconds,
    )
    if as_json:
        out = {
            "days": days,
            "cards": len(cards),
            "seconds_per_answer": round(seconds, 1),
            "schedulers": {
                load.scheduler: {
                    "reviews_per_day": round(load.reviews_per_day, 1),
                    "minutes_per_day": round(load.minutes_per_day, 1),
                    "busiest_day": max(load.reviews),
                    "recall_at_end": None
                    if load.recall_at_end is None
                    else round(load.recall_at_end, 4),
                    "reviews": load.reviews,
                }
                for load in loads
            },
        }
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"The next {days} days for your {len(cards)} studied cards "
        f"({seconds:.0f} s an answer; new cards not counted):"
    )
    click.echo(f"  {'scheduler':<12}{'reviews/day':>12}{'min/day':>9}{'busiest':>9}{'recall':>8}")
    for load in loads:
        recall = "—" if load.recall_at_end is None else f"{load.recall_at_end:.0%}"
        click.echo(
            f"  {load.scheduler:<12}{load.reviews_per_day:>12.1f}{load.minutes_per_day:>9.1f}"
            f"{max(load.reviews):>9}{recall:>8}"
        )
    click.echo("recall: predicted recall of those cards on the last day.")
