"""Plain-text articles: a title that is not a photo caption, and a date only when the text states one for itself."""

import pytest

from qa.ingest.article import dateline, text_title


@pytest.mark.parametrize(
    "text, title",
    [
        ("Iraq sends fighters\n\nIraq sent hundreds of fighters.", "Iraq sends fighters"),
        # A caption printed twice, the second time with a credit glued on (a scraped photo).
        ("Fighters in Idlib, Syria\nFighters in Idlib, SyriaReuters\n\nThousands were deployed.", "Thousands were deployed."),
        # A caption ending in an agency credit.
        ("Rescuers search rubble after the quake. Photo: AFP\n\nThe quake struck at dawn.", "The quake struck at dawn."),
        ("Rescuers at the scene (AFP)\n\nThe quake struck at dawn.", "The quake struck at dawn."),
        ("Rescuers at the scene. Getty Images\n\nThe quake struck at dawn.", "The quake struck at dawn."),
        # Markdown headings lose their marks; an ordinary first sentence is the title when there is no heading.
        ("# Harbour report\n\nTwelve ships docked.", "Harbour report"),
        ("The harbour received twelve grain ships in May.", "The harbour received twelve grain ships in May."),
        # A headline that merely names an agency is not a caption.
        ("Reuters names new editor\n\nThe agency named a new editor.", "Reuters names new editor"),
        ("", ""),
    ],
)
def test_text_title_skips_captions(text, title):
    assert text_title(text) == title


def test_a_long_first_line_is_cut_at_a_word():
    title = text_title("word " * 40)
    assert len(title) <= 101 and title.endswith("…") and not title.endswith(" …")


@pytest.mark.parametrize(
    "text, published",
    [
        ("LONDON, March 3, 2015 (Reuters) - Shares fell.", "2015-03-03"),
        ("BEIRUT, 2 March 2015 (AFP) - Fighters crossed.", "2015-03-02"),
        ("NEW YORK (Reuters) - Dec. 1, 2024 - Stocks rose.", "2024-12-01"),
        ("Published: 1 December 2024\n\nThe river rose.", "2024-12-01"),
        ("Updated 2024-12-01 08:00\n\nThe river rose.", "2024-12-01"),
        ("Floods hit the valley\n1 December 2024\n\nThe river rose.", "2024-12-01"),  # a line that is a date
        ("Monday, 2 March 2015\n\nFighters crossed.", "2015-03-02"),
        # Dates inside the story are not the article's date.
        ("The war began in March 2011 and on 3 March 2015 it spread.", ""),
        ("Arthur Hailey\n\nBorn in Luton, Bedfordshire, on 5 April 1920, Hailey was the only child.", ""),
        ("Stars pay tribute\n\nVeteran star Ossie Davis, an activist, died on 4 February 2005.", ""),
        ("Ten-year tragedy\n\nRichey Edwards vanished 10 years ago, on 1 February 1995.", ""),
        # A date without a year, or an impossible one, is no date.
        ("LONDON, March 3 (Reuters) - Shares fell.", ""),
        ("LONDON, February 30, 2015 (Reuters) - Shares fell.", ""),
        ("Headline\n\nFirst paragraph.\n\nSecond.\n\nPublished: 1 December 2024", ""),  # not at the start
    ],
)
def test_dateline_only_from_the_articles_own_opening(text, published):
    assert dateline(text) == published
