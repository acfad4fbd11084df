"""The answer-type check on questions and answers written for these tests (none from an eval set)."""

from __future__ import annotations

import pytest

from qa.asked import asked_type, supplies


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who chairs the water board?", "agent"),
        ("Whose plan did the council adopt?", "agent"),
        ("Which airline cancelled the most flights?", "agent"),
        ("Which Canadian company bought the mine?", "agent"),
        ("Which art dealer bought the painting?", "agent"),
        ("Which regulator fined the bank?", "agent"),
        ("Which footballer scored twice?", "agent"),
        # The noun the wh-word asks about, however many words stand before it.
        ("Which regional water authority fined the farm?", "agent"),
        ("In which concert hall did the choir sing?", "place"),
        ("At which airport did the plane land?", "place"),
        ("What annual pre-tax profit did the brewer report?", "money"),
        ("Where did the tanker run aground?", "place"),
        ("In which city will the final be played?", "place"),
        ("When did the bridge reopen?", "time"),
        ("In what year was the museum founded?", "time"),
        ("How many jobs will the plant create?", "quantity"),
        ("How much did the stadium cost?", "money"),
        ("How much money will the council save?", "money"),
        ("What profit did the brewer report?", "money"),
        ("How much rain fell in March?", "quantity"),
        ("What is the population of the island?", "quantity"),
        ("What was the price of the painting?", "money"),
        ("What share of the vote did the party win?", "quantity"),
        ("What figures did the two surveys give for turnout?", "quantity"),
        ("What fines did the regulator impose?", "money"),
        ("What was the new drug called?", "name"),
        ("What is the name of the ship's captain?", "person"),
        ("What is the name of the woman who found the painting?", "person"),
        ("What is the name of the head of the water board?", "person"),
        ("What is the name of the new vaccine?", "name"),
        ("What is the name of the company that built the dam?", "name"),
        ("Why did the council delay the vote?", "reason"),
        ("For what reason was the match abandoned?", "reason"),
        ("What caused the power cut?", "reason"),
        ("What was the main reason for the strike?", "reason"),
        ("Who explained why the bridge closed?", "agent"),
        ("In which month did the strike begin?", "time"),
        ("On which day did the ferry sink?", "time"),
        ("At what time did the train leave?", "time"),
        ("How long did the siege last?", "measure"),
        ("How old was the oldest runner?", "measure"),
        ("How big a stake did the brewer buy?", "measure"),
        ("How far did the convoy travel?", "measure"),
        ("What did the mayor say about the strike?", None),
        ("How did the thieves enter the bank?", None),
    ],
)
def test_asked_type(question, kind):
    asked = asked_type(question)
    assert (asked.kind if asked else None) == kind


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("Who chairs the water board?", "Helen Okafor chairs the board.", True),
        ("Who chairs the water board?", "The board's chair is its longest-serving member.", False),
        ("Which airline cancelled the most flights?", "Ryanair cancelled 400 flights.", True),
        ("Where did the tanker run aground?", "It ran aground off Cornwall.", True),
        ("Where did the tanker run aground?", "It ran aground on a sandbank.", True),
        ("Where did the tanker run aground?", "The crew was rescued.", False),
        ("When did the bridge reopen?", "It reopened on 3 March.", True),
        ("When did the bridge reopen?", "It reopened after repairs.", False),
        ("How many jobs will the plant create?", "It will create 1,200 jobs.", True),
        ("How many jobs will the plant create?", "It will create two thousand jobs.", True),
        ("How many jobs will the plant create?", "It will create many new jobs.", False),
        # A count that opens a sentence is spelled out; a year or a period is no count of other things.
        ("How many jobs will the plant create?", "Thirty-five jobs will go.", True),
        ("How many jobs will the plant create?", "In 2006, three years after it opened, it created more jobs.", False),
        ("How much grain does the farm hope to grow by 2010?", "It hopes to grow more grain over the next five years.", False),
        ("How much grain does the farm hope to grow by 2010?", "It hopes to grow 40,000 tonnes over the next five years.", True),
        ("How many years did the mayor serve?", "The mayor served for ten years.", True),
        ("How much did the stadium cost?", "It cost £43m.", True),
        ("How much did the stadium cost?", "It cost 43 million euros.", True),
        ("How much will the recall cost the firm?", "The firm will replace 14 million cables.", False),
        ("What share of the vote did the party win?", "It won a third of the vote.", True),
        ("What is the name of the ship's captain?", "The captain, a veteran sailor, stayed aboard.", False),
        ("What is the name of the ship's captain?", "Captain Ivo Marsh stayed aboard.", True),
        ("What is the name of the Danish general who resigned?", "The general in charge of troops in Helmand resigned.", False),
        ("What is the name of the Danish general who resigned?", "The general resigned, Copenhagen said.", False),
        ("What is the name of the Danish general who resigned?", "General Anders Holm resigned on Friday.", True),
        ("What is the name of the head of the rail union?", "The head of the RMT union said no.", False),
        ("What is the name of the head of the rail union?", "Mick Lynch, head of the rail union, said no.", True),
        ("What is the name of the new vaccine?", "The vaccine, Covira, was approved.", True),
        ("Which Paris dealer bought the painting?", "It was bought by a Paris dealer.", False),
        ("Which Paris dealer bought the painting?", "It was bought by Galerie Mara, a Paris dealer.", True),
        # A role or a firm is answered by a name: not by a nationality, nor by where someone comes from.
        ("Which art dealer bought the painting?", "The painting came to London from Polynesia.", False),
        ("Which analyst said the shares were cheap?", "Analysts said Irish shares were cheaper than European ones.", False),
        ("Which analyst said the shares were cheap?", "Davy analyst Ann Byrne said the shares were cheap.", True),
        ("Which official chairs the water board?", "Helen Okafor chairs the board.", True),
        ("Which country won the most medals?", "Kenya won the most medals.", True),
        ("Which company planned the route?", "The route was planned by a Danish operator.", False),
        ("Which organisation runs the clinic?", "The clinic is 80km north of the capital, Lima.", False),
        ("Which official opened the bridge?", "The mayor of Leeds opened the bridge.", False),
        ("Which club did the striker join?", "The striker moved to Chelsea in May.", True),
        ("Which party won the vote?", "The Kurds won the vote.", True),
        # A person's name is not a place, and "which town" asks for a town's name, not a description.
        ("Which country does sprinter Ato Moss come from?", "Ato Moss beat Lee Grant into second place.", False),
        ("Which country does sprinter Ato Moss come from?", "Ato Moss, from Jamaica, won the race.", True),
        ("Where was the singer born?", "The singer, like Maria Lopes, grew up poor.", False),
        ("In which town did the bus crash?", "The bus crashed on a mountain road.", False),
        ("In which town did the bus crash?", "The bus crashed in Tulle.", True),
        # A question that asks who holds a role: the answer must name the one in that role, not someone
        # else beside a mention of the role.
        ("Who is the harbour master who closed the port?", "Ian Cole urged the harbour master to close the port.", False),
        ("Who is the harbour master who closed the port?", "Harbour master Ann Dale closed the port.", True),
        ("Who is the harbour master who closed the port?", "Ann Dale, the harbour master, closed the port.", True),
        ("Who is the harbour master who closed the port?", "The harbour master is Ann Dale.", True),
        ("Who is the harbour master who closed the port?", "Ann Dale - Dover's former harbour master", True),
        ("Who is the harbour master who closed the port?", "Ann Dale - Dover's former harbour master - closed it.", True),
        ("Who is the harbour master who closed the port?", "In Dover, the harbour master closed the port.", False),
        ("Who is the harbour master who closed the port?", "Ann Dale closed the port on Monday.", True),
        ("What is the name of the club spokeswoman who denied the story?", "A club spokeswoman denied it, Mr Vance said.", False),
        ("Which regional water authority fined the farm?", "One regional water authority fined the farm £20,000.", False),
        ("Which regional water authority fined the farm?", "Severn Trent fined the farm £20,000.", True),
        # A measure: a figure, or for a length of time one span; a year is no size.
        ("How long did the siege last?", "The siege lasted 14 months.", True),
        ("How long did the siege last?", "The siege lasted a decade.", True),
        ("How long did the siege last?", "The siege ended when the army withdrew.", False),
        ("How long did the race take her?", "She won in 2hrs 23mins 10secs.", True),
        ("How long did the race take her?", "The 29-year-old was second in the 2002 race.", False),
        ("How long did the race take her?", "She won in 2:23:10.", True),
        ("How long did the mayor serve?", "The mayor won a second term in 2010.", False),
        ("How long did the blackout last?", "The blackout lasted 40 seconds.", True),
        ("How old was the oldest runner?", "The oldest runner, 81, finished last.", True),
        ("How old was the oldest runner?", "The oldest runner finished last.", False),
        ("How old was the oldest runner?", "The oldest runner finished last in 2004.", False),
        ("How old was the oldest runner?", "The oldest runner, a 76-year-old, finished last.", True),
        ("How big a stake did the brewer buy?", "It bought a 33% stake.", True),
        ("How big a stake did the brewer buy?", "It bought a stake in 2004.", False),
        ("How far did the convoy travel?", "The convoy travelled 300km.", True),
        ("How far did the convoy travel?", "The convoy travelled through the night.", False),
        ("In which month did the strike begin?", "The strike began in March.", True),
        ("In which month did the strike begin?", "The strike began after the vote.", False),
        # Words the question already holds are not an answer.
        ("Who did Helen Okafor replace?", "Helen Okafor replaced the chair.", False),
        ("Why did the council delay the vote?", "It wanted more time.", True),
        ("Who chairs the water board?", "", False),
    ],
)
def test_supplies(question, answer, ok):
    assert supplies(asked_type(question), answer, question) is ok


def test_a_fragment_is_tagged_in_the_sentence_it_cites():
    question = "Which province did the storm hit hardest?"
    cited = "The storm hit Idlib province hardest, officials in Damascus said."
    assert supplies(asked_type(question), "Idlib province", question, context=cited)
    # The context's entities count only where their words are in the answer.
    assert not supplies(asked_type(question), "The north", question, context=cited)


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("The council delayed the vote because the report was late.", True),
        ("The vote was delayed due to a legal challenge.", True),
        ("The match was abandoned after heavy rain flooded the pitch.", True),
        ("Shares fell amid fears of a slowdown.", True),
        ("The firm cut 200 jobs to reduce costs.", True),
        ("The union called the strike in protest at the pay offer.", True),
        ("The mayor resigned, citing ill health.", True),
        ("Prices rose as demand outstripped supply.", True),
        ("The port is key to the region's trade.", True),
        ("The board wanted a younger manager.", True),
        ("The power cut was caused by a fire at a substation.", True),
        ("The council delayed the vote.", False),
        ("The match was abandoned in the second half.", False),
        ("The firm employs 200 people in the town.", False),
        ("Shares fell 3% on Monday.", False),
        ("The mayor, who is 64, has led the city since 2010.", False),
        ("As chairman, he sold the club in 2019.", False),
    ],
)
def test_a_reason_is_a_cause_or_purpose_put_into_words(answer, ok):
    assert supplies(asked_type("Why did it happen?"), answer, "Why did it happen?") is ok


@pytest.mark.parametrize(
    ("question", "answer", "exact"),
    [
        ("On what date will the bridge reopen?", "It will reopen in March.", False),
        ("On what date will the bridge reopen?", "It will reopen on 3 March.", True),
        ("On what date will the bridge reopen?", "It will reopen on March 3rd.", True),
        ("Which day was the vote held?", "The vote was held on Thursday.", True),
        ("When will the bridge reopen?", "It will reopen in March.", True),
    ],
)
def test_a_question_for_a_date_wants_a_day_not_only_a_month(question, answer, exact):
    assert supplies(asked_type(question), answer, question, exact=True) is exact
    assert supplies(asked_type(question), answer, question)  # a month is still a time, short of exact


@pytest.mark.parametrize(
    ("question", "text", "gives"),
    [
        # The country of a nationality the question names tells nothing new.
        ("In which country was the Kenyan runner when he fell ill?", "Kenya", False),
        ("In which country was the Kenyan runner when he fell ill?", "He was in Kenya.", False),
        ("In which country was the Kenyan runner when he fell ill?", "He was in Portugal.", True),
        # A place that is not the nationality's country is an answer.
        ("Where did the Kenyan runner train?", "He trained in Iten, Kenya.", True),
    ],
)
def test_a_place_the_question_names_by_nationality_is_no_answer(question, text, gives):
    assert supplies(asked_type(question), text, question) is gives


def test_a_participle_after_the_noun_ends_the_noun_phrase():
    # The small tagger sometimes reads "objecting" in "the union chief objecting to ..." as a noun.
    from spacy.tokens import Doc

    from qa.asked import _last_noun
    from qa.nlp import parse

    words = ["union", "chief", "objecting", "to", "it"]
    doc = Doc(parse("x").vocab, words=words, pos=["NOUN", "NOUN", "NOUN", "ADP", "PRON"])
    assert _last_noun(doc) == "chief"
    doc = Doc(parse("x").vocab, words=["the", "boxing", "coach"], pos=["DET", "NOUN", "NOUN"])
    assert _last_noun(doc[1:]) == "coach"
    doc = Doc(parse("x").vocab, words=["deputy", "planning", "director", "who"], pos=["NOUN", "NOUN", "NOUN", "PRON"])
    assert _last_noun(doc) == "director"


@pytest.mark.parametrize(
    ("answer", "exact"),
    [("The siege lasted 14 months.", True), ("The siege lasted a decade.", True), ("The siege lasted for years.", False)],
)
def test_a_length_of_time_is_exact_when_it_gives_a_figure_or_one_span(answer, exact):
    question = "How long did the siege last?"
    assert supplies(asked_type(question), answer, question)
    assert supplies(asked_type(question), answer, question, exact=True) is exact


def test_a_count_spelled_out_at_the_start_of_a_sentence_is_a_number():
    from qa.question import answers_question
    from qa.verify import missing_numbers

    assert answers_question("How many people were arrested?", "Twenty-eight people were arrested.")
    assert missing_numbers("28 people were held.", "Twenty-eight people were held.") == set()
    assert missing_numbers("29 people were held.", "Twenty-eight people were held.") == {"29"}
