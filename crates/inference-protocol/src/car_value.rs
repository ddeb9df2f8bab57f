//! `car-value` as tensors: `year` INT32 and `mileage` FP64, and the listing
//! details as BYTES (an empty string for a detail not known), in; the
//! estimate and its interval as UINT32 whole dollars, out.

use crate::{Data, InferRequest, InferResponse, Model, Output, ProtocolError, Tensor};
use api::car_value::{Car, Error, Valuation};

const fn input(name: &'static str, datatype: &'static str, required: bool) -> Tensor {
    Tensor {
        name,
        datatype,
        required,
    }
}

/// The inputs: `year` and `mileage` required, the details optional.
pub const INPUTS: &[Tensor] = &[
    input("year", "INT32", true),
    input("mileage", "FP64", true),
    input("model", "BYTES", false),
    input("condition", "BYTES", false),
    input("title_status", "BYTES", false),
    input("fuel", "BYTES", false),
    input("transmission", "BYTES", false),
    input("type", "BYTES", false),
];

/// The outputs: the estimate and its 80% interval, in whole US dollars.
pub const OUTPUTS: &[Tensor] = &[
    input("value_usd", "UINT32", true),
    input("low_usd", "UINT32", true),
    input("high_usd", "UINT32", true),
];

/// The request's rows as cars, in order.
pub fn cars(request: &InferRequest) -> Result<Vec<Car>, ProtocolError> {
    let batch = request.batch(Model::CarValue)?;
    let years = batch.required::<i32>("year")?;
    let mileages = batch.required::<f64>("mileage")?;
    let mut cars: Vec<Car> = years
        .into_iter()
        .zip(mileages)
        .map(|(year, mileage)| Car {
            year,
            mileage,
            ..Car::default()
        })
        .collect();
    let details: [(&str, fn(&mut Car) -> &mut Option<String>); 6] = [
        ("model", |car| &mut car.model),
        ("condition", |car| &mut car.condition),
        ("title_status", |car| &mut car.title_status),
        ("fuel", |car| &mut car.fuel),
        ("transmission", |car| &mut car.transmission),
        ("type", |car| &mut car.body_type),
    ];
    for (name, field) in details {
        let column = batch.column::<String>(name)?;
        for (car, value) in cars.iter_mut().zip(column.into_iter().flatten()) {
            // The protocol has no missing elements: empty means not known.
            *field(car) = Some(value).filter(|value| !value.is_empty());
        }
    }
    debug_assert_eq!(cars.len(), batch.rows);
    Ok(cars)
}

/// The answer to `request`: the model's `answers` for its rows as tensors,
/// or a 400 naming the first row the model refused.
pub fn respond(
    request: &InferRequest,
    model_version: String,
    answers: Vec<Result<Valuation, Error>>,
) -> Result<InferResponse, ProtocolError> {
    let valuations = crate::rows(answers)?;
    let column =
        |dollars: fn(&Valuation) -> u32| Data::Uint32(valuations.iter().map(dollars).collect());
    let outputs = vec![
        Output::new(&OUTPUTS[0], column(|v| v.value_usd)),
        Output::new(&OUTPUTS[1], column(|v| v.low_usd)),
        Output::new(&OUTPUTS[2], column(|v| v.high_usd)),
    ];
    request.respond(Model::CarValue, model_version, outputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The cars of a request with JSON `inputs`.
    fn cars_of(inputs: serde_json::Value) -> Result<Vec<Car>, ProtocolError> {
        let body = json!({ "inputs": inputs }).to_string();
        cars(&InferRequest::parse(body.as_bytes(), &[])?)
    }

    #[test]
    fn each_row_is_a_car_with_the_details_it_gives() {
        let cars = cars_of(json!([
            {"name": "year", "shape": [2], "datatype": "INT32", "data": [2018, 2016]},
            {"name": "mileage", "shape": [2], "datatype": "FP64", "data": [45000, 60000.5]},
            {"name": "type", "shape": [2], "datatype": "BYTES", "data": ["", "sedan"]},
        ]))
        .unwrap();
        assert_eq!(cars.len(), 2);
        assert_eq!(
            (cars[0].year, cars[0].mileage, &cars[0].body_type),
            (2018, 45000.0, &None)
        );
        assert_eq!(cars[1].body_type.as_deref(), Some("sedan"));
        assert_eq!(cars[1].mileage, 60000.5);
    }

    #[test]
    fn binary_rows_are_the_cars_json_rows_are() {
        let (body, header) = crate::batch::tests::with_binary(
            json!({"inputs": [
                {"name": "year", "shape": [2], "datatype": "INT32", "parameters": {"binary_data_size": 8}},
                {"name": "mileage", "shape": [2], "datatype": "FP64", "parameters": {"binary_data_size": 16}},
                {"name": "type", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": 13}},
            ]}),
            &[
                &2018i32.to_le_bytes()[..],
                &2016i32.to_le_bytes(),
                &45000f64.to_le_bytes(),
                &60000.5f64.to_le_bytes(),
                b"\0\0\0\0\x05\0\0\0sedan",
            ]
            .concat(),
        );
        let from_binary = cars(&InferRequest::parse(&body, &header).unwrap()).unwrap();
        let from_json = cars_of(json!([
            {"name": "year", "shape": [2], "datatype": "INT32", "data": [2018, 2016]},
            {"name": "mileage", "shape": [2], "datatype": "FP64", "data": [45000, 60000.5]},
            {"name": "type", "shape": [2], "datatype": "BYTES", "data": ["", "sedan"]},
        ]))
        .unwrap();
        assert_eq!(from_binary, from_json);
    }

    fn refusal(inputs: serde_json::Value) -> String {
        let error = cars_of(inputs).unwrap_err();
        assert_eq!(error.status, 400);
        error.message
    }

    #[test]
    fn a_missing_required_input_is_named() {
        let message = refusal(json!([
            {"name": "year", "shape": [1], "datatype": "INT32", "data": [2018]},
        ]));
        assert_eq!(message, "missing input `mileage` (FP64)");
    }

    #[test]
    fn inputs_of_different_batch_sizes_are_refused() {
        let message = refusal(json!([
            {"name": "year", "shape": [2], "datatype": "INT32", "data": [2018, 2017]},
            {"name": "mileage", "shape": [1], "datatype": "FP64", "data": [1]},
        ]));
        assert_eq!(
            message,
            "input `mileage` has 1 rows where the other inputs have 2"
        );
    }

    #[test]
    fn a_shape_that_does_not_match_the_data_is_refused() {
        let message = refusal(json!([
            {"name": "year", "shape": [3], "datatype": "INT32", "data": [2018]},
        ]));
        assert_eq!(message, "input `year` has shape [3] but 1 elements");
    }

    #[test]
    fn an_element_of_the_wrong_type_names_its_row() {
        let message = refusal(json!([
            {"name": "year", "shape": [2], "datatype": "INT32", "data": [2018, 2018.5]},
            {"name": "mileage", "shape": [2], "datatype": "FP64", "data": [1, 2]},
        ]));
        assert_eq!(message, "row 1: input `year` must be an INT32, not 2018.5");
    }

    #[test]
    fn an_unknown_input_lists_the_models_inputs() {
        let message = refusal(json!([
            {"name": "colour", "shape": [1], "datatype": "BYTES", "data": ["red"]},
        ]));
        assert!(message.starts_with("car-value has no input `colour`; its inputs: year, mileage"));
    }

    #[test]
    fn the_first_refused_row_is_named() {
        let year = Error::YearOutOfRange(api::car_value::YearBounds {
            min: 1995,
            max: 2022,
        });
        let ok = Valuation {
            value_usd: 1,
            low_usd: 1,
            high_usd: 1,
            extrapolation: vec![],
            model_version: "v".into(),
        };
        let request = InferRequest::parse(br#"{"inputs": []}"#, &[]).unwrap();
        let error = respond(&request, "v".into(), vec![Ok(ok), Err(year)]).unwrap_err();
        assert_eq!(error.message, "row 1: year must be between 1995 and 2022");
    }
}
