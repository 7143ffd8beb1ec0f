"""Every tuning constant of segmentation in one frozen object, passed like ``InkLimits``.

    from segmentation import SegmentConfig, segment
    segment(ink, scorer, config=SegmentConfig(overlap_weight=8.0))

A constant's comment says how its value was chosen. "dev 26-30" names the pendigits
writers 26-30, the writers on which earlier choices were made (then called "held-out");
they are dev writers now, and no value may be chosen by looking at test writers.
Sweep any field on dev writers with
``inkdigits evaluate-ink --split dev --set overlap_weight=2,4,8 --seeds 0-3``.
The figures quoted are exact % of tight (and clean) numbers, pendigits / UNIPEN dev
writers, from ``inkdigits evaluate-ink --split dev --scenario tight --scenario clean
--set NAME=A,B,C``. Swept so, most constants move a figure by a number or two of 800: the
misreads left are the digit readers', not the search's.
"""
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class SegmentConfig:
    """Knobs of the search, in the units their comments give (heights: the drawing's
    ``digit_height``; scores: natural-log probability)."""

    # --- pieces (pieces.py) ---
    speck_size: float = 0.12        # strokes smaller than this share of the digit height are
                                    # specks, no digit (dots of i-like 1s stay out; all dev,
                                    # seeds 0-3, 0.06/0.12/0.2: tight pendigits 95.62/95.75/
                                    # 95.38, UNIPEN 93.50 all, clean equal)
    max_cuts: int = 8               # cut points tried in one stroke (all dev, seeds 0-3,
                                    # 4/8/12: tight pendigits 96.00/95.75/95.75, UNIPEN
                                    # 93.50 all, clean equal: kept)
    corner_deg: float = 75.0        # a turn this sharp may join two digits (dev 26-30, seeds
                                    # 0-1, 50 vs 75: tight 93.7/90.2 -> 94.3/91.2; 5303b11).
                                    # All dev, seeds 0-3, 60/75/90: tight pendigits 95.62/
                                    # 95.75/96.00, UNIPEN 93.12/93.50/93.62, clean UNIPEN
                                    # 96.38/96.50/96.50: within a number or two, kept
    turn_excursion: float = 0.15    # a turning point moves at least this much of the height
                                    # (all dev, seeds 0-3, 0.1/0.15/0.2: tight pendigits
                                    # 95.62/95.75/95.75, UNIPEN 93.12/93.50/93.50: kept)
    corner_reach: float = 0.08      # arc length (x height) over which a corner's turn is
                                    # measured (0.05/0.08/0.12: tight pendigits 96.12/95.75/
                                    # 95.50, UNIPEN 93.38/93.50/93.75: opposite ways, kept)
    cut_spacing: float = 0.1        # cuts at least this share of the stroke's length apart
                                    # (0.05/0.1/0.15: tight pendigits 95.38/95.75/95.75,
                                    # UNIPEN 92.62/93.50/93.88; 0.15 again on seeds 4-7:
                                    # pendigits 95.38 -> 94.88, UNIPEN 92.75 -> 93.25; no
                                    # clear gain, kept)

    # --- candidate groups (grouping.py) ---
    max_pieces: int = 4             # pieces in one digit
    max_strokes: int = 4            # strokes in one digit (of 7494 pen digits, 9 have three;
                                    # UNIPEN dev writers draw 4s in four). All dev, seeds 0-3,
                                    # 3/4, without crossings: UNIPEN clean 96.12/96.38,
                                    # pendigits tight 95.62/95.50 (kept 3); with cross_penalty
                                    # 1: UNIPEN single 98.75/98.88, clean 96.25/96.50, delayed
                                    # 97.00/97.38, long 94.50/95.25, mixed 97.50/97.62, tight
                                    # equal, pendigits tight 95.88/95.75, the rest equal. With
                                    # crossings, a 6-digit reading takes x1.05 (clean), x1.17
                                    # (tight) the time of the search before both (python -m
                                    # benchmarks.side_by_side OLD_CHECKOUT --scenario ...)
    window: int = 6                 # a digit's pieces lie within this many neighbours in
                                    # reading order (all dev, seeds 0-3, 4/6/8: tight
                                    # pendigits 95.62/95.75/95.75, UNIPEN 93.25/93.50/93.50)
    min_cut_height: float = 0.4     # a digit cut out of strokes is this share of the height
                                    # (dev 26-30: the flag of a 1 is no digit; 59aa52b; all
                                    # dev, 0.3/0.4/0.5: UNIPEN tight 93.38/93.50/93.50)
    short_cut_penalty: float = 5.0  # log-score taken from a shorter one (all dev, 2.5/5/10:
                                    # every tight and clean figure equal)
    link_rise: float = 0.5          # a piece cut from a stroke that climbs this share of the
    link_straight: float = 1.3      # height, no longer than this times its ends' distance, ...
    link_penalty: float = 2.5       # ... is the pen's way from one digit's foot to the next
                                    # one's top ("72" in one stroke), not a 1: alone, it pays
                                    # this log-score. All dev, 0/2.5/5: tight pendigits 95.75/
                                    # 95.88/95.88, UNIPEN 93.50/93.62/93.62 (seeds 0-3), 95.38/
                                    # 95.50/95.50, 92.75/93.00/93.00 (seeds 4-7); every other
                                    # scenario equal on both. With 2.5, link_rise 0.3/0.5/0.7
                                    # and link_straight 1.15/1.3/1.6 read tight within a number
    clear_gap: float = 0.25         # a column of paper this wide (x height) between pieces ...
    clear_gap_penalty: float = 0.0  # ... costs their group this log-score (dev, v7, seeds 0-1:
                                    # 0/3/6 read clean 95.0/94.5/94.5 on UNIPEN, the same on
                                    # pendigits: v7's merges are not across clear gaps)
    strokes_tall: float = 0.7       # a whole stroke at least this share of the height ...
    strokes_narrow: float = 0.3     # ... and at most this wide (upright) is a bar, like a 1's;
                                    # of 3406 train digits of 2+ strokes none has two such
                                    # bars (python -m training.bars), while 2 close 1s do
    bars_penalty: float = 3.0       # log-score a group of two or more bars pays: "11" is not
                                    # one thick 1 (dev, seeds 0-3, 0/3/6: UNIPEN tight 92.62/
                                    # 93.38/93.38, delayed 96.75/96.88/96.88, the rest and
                                    # pendigits unchanged; 0 turns it off)

    # --- geometry (geometry.py) ---
    max_width: float = 1.3          # digits are rarely wider than this many heights ...
                                    # (all dev, seeds 0-3, 1.1/1.3/1.5: tight pendigits
                                    # 96.00/95.75/95.75, UNIPEN 93.62/93.50/93.00; 1.1
                                    # again on seeds 4-7: 95.25/95.38, 92.62/92.75: kept)
    widest: float = 2.0             # ... and never wider (dev 26-30's widest: 1.6)
    max_gap: float = 0.45           # pieces of one digit are never further apart (x height)
                                    # (all dev, 0.35/0.45/0.6: tight equal, UNIPEN clean
                                    # 96.50/96.50/96.62)
    wide_penalty: float = 3.0       # log-score per height of width beyond max_width (all dev,
                                    # 1.5/3/6: tight pendigits 95.62/95.75/95.75, UNIPEN
                                    # 93.12/93.50/92.88)
    gap_penalty: float = 4.0        # log-score per height of linking gap beyond free_gap
                                    # (all dev, 2/4/8: tight UNIPEN 93.38/93.50/93.38,
                                    # clean 96.50/96.50/96.25)
    free_gap: float = 0.1           # a gap this small inside a digit costs nothing (all dev,
                                    # 0.05/0.1/0.2: clean pendigits 98.12/98.75/98.75,
                                    # UNIPEN 96.25/96.50/96.50; tight 95.50/95.75/95.62,
                                    # 93.38/93.50/93.50)
    overlap_free: float = 0.4       # share of a digit's ink that may lie in another's box
                                    # (dev 26-30, 0.3 -> 0.4 with ink share; 7385e2e)
    overlap_weight: float = 4.0     # log-score per share of ink beyond overlap_free (dev
                                    # 26-30, seeds 0-3, tight +1 to +1.7 points; 5bb5295).
                                    # All dev, seeds 0-3, 2/4/8: UNIPEN tight 93.12/93.38/
                                    # 92.50, pendigits 95.88/95.62/95.25, clean equal: kept
    cross_penalty: float = 1.0      # log-score two digits pay for each pair of their strokes
                                    # that cross: of dev numbers' stroke pairs, 54-76% of
                                    # one digit's cross (a 4's stick and its L, a 7 and its
                                    # bar, a slashed zero), 0% of two digits' in clean and
                                    # delayed writing, 0.6-0.7% in tight (python -m
                                    # training.crossings). All dev, seeds 0-3,
                                    # 0/1/2/4: UNIPEN tight 93.38/93.50/93.00/91.38, clean
                                    # 96.12/96.25/96.25/96.25, pendigits tight 95.62/95.88/
                                    # 95.62/93.25; at 1 no scenario of either source worse,
                                    # UNIPEN long 94.00 -> 94.50). Again with max_strokes 4,
                                    # 0.5/1/2: tight UNIPEN 93.38/93.50/93.00, pendigits
                                    # 95.62/95.75/95.50, every other scenario equal: kept
    touch_penalty: float = 0.5      # log-score two digits pay for each pair of their strokes
                                    # where one's end lies on the other's ink (within
                                    # touch_reach) and they do not cross (``touching_pieces``):
                                    # a 9's stem drawn from its loop (cedar:FLAD4341's 969
                                    # read "9691"), an 8's second loop. Of dev stroke pairs
                                    # not crossing, 32-59% of one digit's touch at 0.05, of
                                    # two digits' 0% in clean and delayed writing, 2.4-2.7%
                                    # in tight (python -m training.crossings). All dev, seeds
                                    # 0-3, --set touch_reach=0.05 --set touch_penalty=0/1/2:
                                    # tight pendigits 98.38/98.12/97.50, UNIPEN 96.00/96.00/
                                    # 95.62, UNIPEN clean 96.75/96.75/96.88; seeds 4-7, 0/1:
                                    # tight 97.38/97.25, 96.50/96.38, clean UNIPEN 98.25/
                                    # 98.38; seeds 0-7, 0.5: every figure as with 0 (the
                                    # mean of the runs above) but UNIPEN tight 96.25 ->
                                    # 96.31. Per writer (evaluate-adapt --split dev --set
                                    # touch_penalty=0/0.5/1 --set touch_reach=0.05, the
                                    # shared reading, seed 0/1): mean clean 97.48/97.52/
                                    # 97.56, 96.40/96.52/96.60, tight 95.08/95.28/95.40,
                                    # 94.88/95.12/95.28; cedar:FLAD4341 tight 84/90/96, 80/
                                    # 86/92; the rest at 1 lose 4 and 2 tight numbers, at
                                    # 0.5 1 and 0 (with the profile: mean clean 98.24/98.24,
                                    # 96.72/96.80, tight 95.64/95.64, 94.96/95.16 at 0/0.5)
    touch_reach: float = 0.05       # ... that near, x height (0.03/0.05/0.08: 969's stem
                                    # starts 0.03-0.05 from its loop; all dev, seeds 0-3,
                                    # touch_penalty 1/2, 0.05/0.08: tight pendigits 98.12/
                                    # 97.88, 97.50/96.00, UNIPEN 96.00/95.62, 95.62/94.75)
    slant_range: tuple = (-0.6, 1.0)  # slants beyond these are clipped (hand-set)

    # --- search (grouping.py) ---
    beam: int = 24                  # partial partitions kept per step (all dev, seeds 0-3,
                                    # 12/24/48: every tight and clean figure equal; 24
                                    # keeps five alternatives to offer)
    doubt: float = 0.65             # strokes of a digit less likely than this are cut and
                                    # read again (dev 26-30, seeds 0-3; 5bb5295). All dev,
                                    # 0.5/0.65/0.8: tight UNIPEN 93.50/93.38/93.00, pendigits
                                    # 95.38/95.62/96.00, clean equal: kept
    slant_min_width: float = 1.1    # a drawing narrower than this many heights is one digit,
                                    # read as drawn (dev 26-30, seeds 0-3; 1fe4736)
    second_view_slant: float = 0.05  # writing leaning less reads the same both ways
    second_look_margin: float = 2.0  # partitions this far below the best get no second look
                                    # (all dev, 1/2/4: UNIPEN tight 93.38/93.50/93.50)
    sure: float = 0.7               # a digit read at least this likely gets no second look
                                    # (all dev, 0.7/0.85/0.95: UNIPEN clean 96.12/96.25/
                                    # 96.12, tight 93.38/93.12/93.12: kept)
    path_weight: float = 0.75       # exponent of the pen-path reader's probabilities (dev
                                    # 26-30; 31ffda5; all dev, 0.5/0.75/1.0: UNIPEN clean
                                    # 95.62/96.12/96.25, tight 92.88/93.38/93.38, pendigits
                                    # clean 98.50/98.75/98.62: kept): a second opinion ...
    path_floor: float = 1e-4        # ... and never a veto
    sequence_weight: float = 0.2    # the caller's log-likelihood of each of the best texts
                                    # (``segment``'s text_scorer: the recognizer's sequence
                                    # reader), times this, is added to its score; 0: off.
                                    # evaluate-ink --split dev --set sequence_weight=0.1,
                                    # 0.2,0.3 (the shipped sequence reader), seeds
                                    # 0-3: tight pendigits 97.25/97.88/97.50, UNIPEN 96.00/
                                    # 96.00/96.12, clean 98.62/98.50/98.50, 96.50/96.75/97.38
                                    # (0: tight 95.88, 93.62; clean 98.75, 96.50); seeds 4-7,
                                    # 0/0.2/0.3: tight 95.50/97.12/97.00, 93.00/96.12/96.00,
                                    # clean 99.25/99.25/99.12, 97.75/98.25/97.88, long UNIPEN
                                    # 95.88/96.88/96.62, delayed pendigits 99.38/99.00/98.88
    sequence_reach: float = 3.0     # ... for the texts within this of the best score; none
                                    # asked when only the best is (the reader's time saved:
                                    # python -m benchmarks.recognize). evaluate-ink --split
                                    # dev --set sequence_reach=2,3,inf, seeds 0-3: tight
                                    # UNIPEN 95.88/96.00/96.00, every other single, clean
                                    # and tight figure equal
    sequence_proposes: bool = True  # the text the reader reads by itself (best path)
                                    # joins the texts it judges, grouped by the search
                                    # constrained to read it (forced alignment), where not
                                    # among them. evaluate-ink --split dev --set
                                    # sequence_proposes=false,true, seeds 0-3: tight
                                    # pendigits 97.88/98.38, UNIPEN 96.00/96.00, long UNIPEN
                                    # 95.75/96.25; seeds 4-7: tight 97.12/97.38, 96.00/96.50;
                                    # every other single, clean, tight, delayed, long and
                                    # mixed figure equal. With it, --set sequence_weight=
                                    # 0.2,0.3 --set sequence_reach=3,inf (seeds 0-3): tight
                                    # 98.38/98.12 and 96.00/96.12, long 97.12/96.75 and
                                    # 96.25/96.00, UNIPEN clean 96.75/97.38; reach inf
                                    # changed nothing at 0.2: both kept

    # --- work budget (issue 13: bounded work per drawing) ---
    # Each bounds one cost that grows with the ink; past one, the drawing is "too complex"
    # (the split search, a refinement, is skipped instead). Set so that a drawing at the
    # limits costs <= 1 s on 2 cores (python -m benchmarks.adversarial); a 40-stroke
    # number needs about a third of each.
    max_candidates: int = 2000      # candidate groups in one search (the beam's work)
    max_scored: int = 1000          # groups given to the scorer per drawing (the CNN's work)
    max_points_scored: int = 150_000  # their points (the crops' rendering work)
    max_overlap_pairs: int = 200_000  # (candidate, piece, candidate box) meetings of ink
                                      # that overlap penalties count, per search
    max_cross_tests: int = 2_000_000  # pairs of pen segments tested for crossings, per search
                                      # (a 6-digit number needs a few thousand)

    def with_values(self, **values):
        """A copy with some fields changed; unknown names raise ``ValueError``."""
        unknown = sorted(set(values) - {f.name for f in fields(self)})
        if unknown:
            raise ValueError(f"unknown SegmentConfig field(s): {', '.join(unknown)}")
        return replace(self, **values)


DEFAULT_CONFIG = SegmentConfig()
