//! VADER's scores for sentences that exercise each of its rules.
//!
//! The expected values were computed once with the reference implementation,
//! vaderSentiment 3.3.2 (`pip install vaderSentiment==3.3.2`, CPython 3.11):
//! `SentimentIntensityAnalyzer().polarity_scores(text)`. The port reproduces
//! them exactly; the tests allow 1e-3.

use sentiment_model::vader::analyze;
use sentiment_model::{Label, polarity_scores};

const TOLERANCE: f64 = 1e-3;

fn assert_close(what: &str, text: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOLERANCE,
        "{what} of {text:?}: got {got}, vaderSentiment 3.3.2 gives {want}"
    );
}

/// One test per sentence: `name: text => compound C, pos P, neg N, neu U;`
macro_rules! vader_reference {
    ($($name:ident: $text:literal => compound $compound:literal, pos $pos:literal, neg $neg:literal, neu $neu:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let text = $text;
                let scores = polarity_scores(text);
                assert_close("compound", text, scores.compound, $compound);
                assert_close("pos", text, scores.pos, $pos);
                assert_close("neg", text, scores.neg, $neg);
                assert_close("neu", text, scores.neu, $neu);

                let analysis = analyze(text).expect("a valid review");
                assert_eq!(analysis.score, scores.compound);
                assert_eq!(analysis.positive, scores.pos);
                assert_eq!(analysis.negative, scores.neg);
                assert_eq!(analysis.neutral, scores.neu);
                assert_eq!(analysis.label, Label::from_compound($compound));
            }
        )*
    };
}

vader_reference! {
    positive_words_make_a_positive_sentence: "VADER is smart, handsome, and funny." => compound 0.8316, pos 0.746, neg 0.0, neu 0.254;
    exclamation_mark_amplifies: "VADER is smart, handsome, and funny!" => compound 0.8439, pos 0.752, neg 0.0, neu 0.248;
    booster_word_intensifies: "VADER is very smart, handsome, and funny." => compound 0.8545, pos 0.701, neg 0.0, neu 0.299;
    all_caps_emphasis: "VADER is VERY SMART, handsome, and FUNNY." => compound 0.9227, pos 0.754, neg 0.0, neu 0.246;
    caps_and_exclamations_combine: "VADER is VERY SMART, handsome, and FUNNY!!!" => compound 0.9342, pos 0.767, neg 0.0, neu 0.233;
    slang_boosters_reach_near_ceiling: "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!" => compound 0.9469, pos 0.706, neg 0.0, neu 0.294;
    negation_with_not_and_nor: "VADER is not smart, handsome, nor funny." => compound -0.7424, pos 0.0, neg 0.646, neu 0.354;
    one_lexicon_word_scores_the_sentence: "The book was good." => compound 0.4404, pos 0.492, neg 0.0, neu 0.508;
    at_least_and_contraction_negation: "At least it isn't a horrible book." => compound 0.431, pos 0.322, neg 0.0, neu 0.678;
    kind_of_dampens: "The book was only kind of good." => compound 0.3832, pos 0.303, neg 0.0, neu 0.697;
    but_shifts_weight_to_second_clause: "The plot was good, but the characters are uncompelling and the dialog is not great." => compound -0.7042, pos 0.094, neg 0.327, neu 0.579;
    all_caps_slang_among_lower_case_is_emphasised: "Today SUX!" => compound -0.5461, pos 0.0, neg 0.779, neu 0.221;
    kinda_dampener_and_but_with_slang: "Today only kinda sux! But I'll get by, lol" => compound 0.5249, pos 0.317, neg 0.127, neu 0.556;
    emoticons_are_scored_from_the_lexicon: "Make sure you :) or :D today!" => compound 0.8633, pos 0.706, neg 0.0, neu 0.294;
    emoji_descriptions_are_scored: "Catch utf-8 emoji such as 💘 and 💋 and 😁" => compound 0.875, pos 0.417, neg 0.0, neu 0.583;
    single_emoji_is_scored_by_its_description: "😁" => compound 0.4588, pos 0.429, neg 0.0, neu 0.571;
    not_bad_at_all_is_positive: "Not bad at all" => compound 0.431, pos 0.487, neg 0.0, neu 0.513;
    never_good_is_negated: "Sentiment analysis has never been good." => compound -0.3412, pos 0.0, neg 0.325, neu 0.675;
    never_this_good_is_boosted: "Sentiment analysis has never been this good!" => compound 0.5672, pos 0.379, neg 0.0, neu 0.621;
    the_shit_idiom_is_positive: "With VADER, sentiment analysis is the shit!" => compound 0.6476, pos 0.417, neg 0.0, neu 0.583;
    bad_ass_idiom_is_positive: "On the other hand, VADER is quite bad ass" => compound 0.802, pos 0.577, neg 0.0, neu 0.423;
    without_a_doubt_is_not_negation: "Without a doubt, excellent idea." => compound 0.7013, pos 0.659, neg 0.0, neu 0.341;
    one_of_the_least_negates: "Roger Dodger is one of the least compelling variations on this theme." => compound -0.1695, pos 0.0, neg 0.132, neu 0.868;
    at_least_does_not_negate: "Roger Dodger is at least compelling as a variation on the theme." => compound 0.2263, pos 0.147, neg 0.0, neu 0.853;
    no_negates_following_word: "There is no good reason to buy it." => compound -0.3412, pos 0.0, neg 0.256, neu 0.744;
    no_alone_is_negative: "No" => compound -0.296, pos 0.0, neg 1.0, neu 0.0;
    short_token_keeps_its_punctuation_and_misses_the_lexicon: "No." => compound 0.0, pos 0.0, neg 0.0, neu 1.0;
    no_x_or_y_negates_y: "It has no style or grace." => compound -0.5472, pos 0.0, neg 0.531, neu 0.469;
    kiss_of_death_idiom_is_negative: "It was the kiss of death for the company." => compound -0.6124, pos 0.0, neg 0.417, neu 0.583;
    sort_of_dampens: "The ride is sort of comfortable." => compound 0.4601, pos 0.376, neg 0.0, neu 0.624;
    never_so_good_is_boosted: "The car has never been so good." => compound 0.5777, pos 0.384, neg 0.0, neu 0.616;
    all_caps_dampener_still_gets_the_caps_increment: "The seats are SLIGHTLY comfortable." => compound 0.5775, pos 0.483, neg 0.0, neu 0.517;
    four_exclamations_cap_the_amplifier: "Great car!!!!!!" => compound 0.7405, pos 0.84, neg 0.0, neu 0.16;
    question_marks_amplify: "Is this really a good car???" => compound 0.5745, pos 0.426, neg 0.0, neu 0.574;
    car_review_great_car_is_positive: "Great car!" => compound 0.6588, pos 0.815, neg 0.0, neu 0.185;
    car_review_engine_died_is_negative: "The engine died after a week." => compound -0.5574, pos 0.0, neg 0.419, neu 0.581;
    car_review_complaint_after_but_dominates: "Comfortable seats, but the gearbox is awful and the dealer was rude." => compound -0.7814, pos 0.112, neg 0.418, neu 0.47;
    sentence_without_lexicon_words_is_neutral: "The car is blue." => compound 0.0, pos 0.0, neg 0.0, neu 1.0;
    but_check_scales_the_first_equal_value_as_vader_3_3_2_does: "Nice seats but an adequate engine." => compound 0.3291, pos 0.456, neg 0.0, neu 0.544;
}
