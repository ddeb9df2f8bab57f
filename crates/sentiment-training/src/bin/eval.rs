//! `cargo run -p sentiment-training --release --bin eval`
//!
//! Trains the model on every split (in-domain and cross-domain) and prints
//! the metrics tables, the model beside VADER on the same rows; then the
//! served settings and some others cross-validated on the training side,
//! and the car-review challenge set.

use sentiment_training::{Params, data, eval, prepare};

/// The settings compared by cross-validation beside the served ones.
fn alternatives() -> Vec<(&'static str, Params)> {
    let served = Params::SERVED;
    vec![
        ("served", served),
        (
            "car sentences weigh 1",
            Params {
                car_weight: 1.0,
                ..served
            },
        ),
        (
            "car sentences weigh 20",
            Params {
                car_weight: 20.0,
                ..served
            },
        ),
        (
            "the previous model's settings (UCI weight 3, smoothing 1, floor 0.5), car sentences weigh 3",
            Params {
                uci_weight: 3.0,
                nb_alpha: 1.0,
                nb_floor: 0.5,
                car_weight: 3.0,
                ..served
            },
        ),
    ]
}

fn main() -> anyhow::Result<()> {
    let params = Params::SERVED;
    let (dataset, _) = data::load(&sentiment_training::data_dir())?;
    let examples = prepare(&dataset.rows, &params);
    let report = eval::evaluate(&examples, &params);
    print!("{}", report.tables());
    println!(
        "\nCross-validated on the training side ({} folds by a hash of the text; the held-out rows and the challenge set unused)\n",
        eval::CV_FOLDS
    );
    println!("| settings | sources' sentences | car-review training sentences |\n|---|---:|---:|");
    for (name, alternative) in alternatives() {
        let cv = eval::cross_validate(&examples, &alternative);
        println!(
            "| {name} | {:.1}% | {:.1}% |",
            100.0 * cv.sources.accuracy(),
            100.0 * cv.cars.accuracy()
        );
    }
    let challenge = data::load_challenge(&sentiment_training::data_dir())?;
    let (model, _) = eval::run(&examples, &eval::Split::in_domain(), &params);
    println!(
        "\nCar-review challenge set ({} sentences, never trained on): the served model and VADER\n",
        challenge.len()
    );
    print!("{}", eval::challenge(&model, &challenge).table());
    Ok(())
}
