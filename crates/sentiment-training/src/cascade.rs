//! The threshold of the sentiment cascade (`components/sentiment-cascade`):
//! the word model answers when its confidence is at least the threshold,
//! and the transformer answers the rest.
//!
//! It is chosen on the training side by cross-validation
//! ([`crate::eval::out_of_fold`]) and knows nothing of the transformer: the
//! lowest confidence at which the word model's out-of-fold mistakes on the
//! reviews it would keep are at most [`ACCURACY_BUDGET`] of all reviews.
//! Were the transformer right on every one of those reviews, the cascade
//! would still be within that much of its accuracy; it is closer, since the
//! transformer misses some of them too. Never below the neutral band's edge:
//! a review the word model calls neutral always goes to the transformer.

/// The most accuracy (a share of all reviews) the cascade may give up to
/// the transformer on the training side, were the transformer always right.
pub const ACCURACY_BUDGET: f64 = 0.01;

/// The chosen threshold and what it did out of fold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// The word model answers when its confidence (rounded to 4 places, as
    /// the API gives it) is at least this.
    pub confidence: f64,
    /// The share of the training-side reviews the word model answered.
    pub kept_share: f64,
    /// The word model's out-of-fold accuracy on those.
    pub kept_accuracy: f64,
}

/// Chooses the threshold from out-of-fold `(confidence, correct)` pairs,
/// keeping no answer below `floor`.
pub fn choose(predictions: &[(f64, bool)], budget: f64, floor: f64) -> Threshold {
    let mut sorted: Vec<(f64, bool)> = predictions
        .iter()
        .map(|&(confidence, correct)| (round4(confidence), correct))
        .collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let allowed = budget * sorted.len() as f64;
    let mut chosen = Threshold {
        confidence: 1.0,
        kept_share: 0.0,
        kept_accuracy: f64::NAN,
    };
    let (mut kept, mut mistakes) = (0usize, 0usize);
    // Whole groups of equal confidence: a threshold keeps all of one or none.
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let confidence = group[0].0;
        if confidence < floor {
            break;
        }
        kept += group.len();
        mistakes += group.iter().filter(|(_, correct)| !correct).count();
        if mistakes as f64 > allowed {
            break;
        }
        chosen = Threshold {
            confidence,
            kept_share: kept as f64 / sorted.len() as f64,
            kept_accuracy: 1.0 - mistakes as f64 / kept as f64,
        };
    }
    chosen
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 reviews: 60 at 0.99 with 1 mistake, 20 at 0.9 with 1 mistake,
    /// 20 at 0.7 with 5 mistakes.
    fn reviews() -> Vec<(f64, bool)> {
        let mut rows = Vec::new();
        for (confidence, count, wrong) in [(0.99, 60, 1), (0.9, 20, 1), (0.7, 20, 5)] {
            rows.extend((0..count).map(|i| (confidence, i >= wrong)));
        }
        rows
    }

    #[test]
    fn the_threshold_is_the_lowest_confidence_whose_kept_mistakes_fit_the_budget() {
        let chosen = choose(&reviews(), 0.02, 0.6);
        assert_eq!(chosen.confidence, 0.9);
        assert_eq!(chosen.kept_share, 0.8);
        assert_eq!(chosen.kept_accuracy, 1.0 - 2.0 / 80.0);
    }

    #[test]
    fn a_smaller_budget_sends_more_reviews_on() {
        let chosen = choose(&reviews(), 0.01, 0.6);
        assert_eq!(chosen.confidence, 0.99);
        assert_eq!(chosen.kept_share, 0.6);
    }

    #[test]
    fn no_answer_below_the_floor_is_kept_however_large_the_budget() {
        assert_eq!(choose(&reviews(), 1.0, 0.8).confidence, 0.9);
    }

    #[test]
    fn with_no_room_for_a_single_mistake_nothing_is_kept() {
        let chosen = choose(&reviews(), 0.0, 0.6);
        assert_eq!((chosen.confidence, chosen.kept_share), (1.0, 0.0));
    }

    #[test]
    fn confidences_are_compared_as_the_api_rounds_them() {
        let rows = [(0.91234, true), (0.91236, false), (0.5, false)];
        let chosen = choose(&rows, 0.4, 0.6);
        assert_eq!(chosen.confidence, 0.9123);
    }
}
