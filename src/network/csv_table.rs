//! A thin layer over the `csv` crate that turns every bad value into a
//! [`NetworkError`] naming the file, the line and the column.

use std::num::{ParseFloatError, ParseIntError};
use std::str::FromStr;

use crate::domain::{DomainError, GeoPoint};

use super::NetworkError;

/// A CSV text with its header checked against the required columns.
pub(crate) struct Table<'a> {
    file: String,
    reader: csv::Reader<&'a [u8]>,
    headers: csv::StringRecord,
}

impl<'a> Table<'a> {
    pub(crate) fn parse(
        file: &str,
        text: &'a str,
        required: &[&str],
    ) -> Result<Self, NetworkError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| NetworkError::File {
                file: file.into(),
                message: e.to_string(),
            })?
            .clone();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|column| !headers.iter().any(|h| h == *column))
            .collect();
        if !missing.is_empty() {
            return Err(NetworkError::File {
                file: file.into(),
                message: format!("missing column(s) {}", missing.join(", ")),
            });
        }
        Ok(Self {
            file: file.into(),
            reader,
            headers,
        })
    }

    pub(crate) fn rows(self) -> impl Iterator<Item = Result<Row, NetworkError>> + 'a {
        let Table {
            file,
            mut reader,
            headers,
        } = self;
        let mut records = std::iter::from_fn(move || {
            let mut record = csv::StringRecord::new();
            match reader.read_record(&mut record) {
                Ok(true) => Some(Ok(record)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            }
        });
        std::iter::from_fn(move || {
            let next = records.next()?;
            Some(match next {
                Ok(record) => Ok(Row {
                    file: file.clone(),
                    line: record.position().map_or(0, |p| p.line()),
                    headers: headers.clone(),
                    record,
                }),
                Err(e) => Err(NetworkError::Field {
                    file: file.clone(),
                    line: e.position().map_or(0, |p| p.line()),
                    field: "row".into(),
                    message: e.to_string(),
                }),
            })
        })
    }
}

/// One data line of a [`Table`].
pub(crate) struct Row {
    file: String,
    line: u64,
    headers: csv::StringRecord,
    record: csv::StringRecord,
}

/// How a parse failure reads in an error message.
pub(crate) trait FieldMessage {
    fn message(self, raw: &str) -> String;
}

impl FieldMessage for ParseIntError {
    fn message(self, raw: &str) -> String {
        format!("{raw:?} is not a whole number ({self})")
    }
}

impl FieldMessage for ParseFloatError {
    fn message(self, raw: &str) -> String {
        format!("{raw:?} is not a number")
    }
}

impl FieldMessage for DomainError {
    fn message(self, _raw: &str) -> String {
        self.message
    }
}

impl Row {
    pub(crate) fn error(&self, field: &str, message: impl Into<String>) -> NetworkError {
        NetworkError::Field {
            file: self.file.clone(),
            line: self.line,
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn get(&self, field: &str) -> Result<&str, NetworkError> {
        self.headers
            .iter()
            .position(|h| h == field)
            .and_then(|i| self.record.get(i))
            .ok_or_else(|| self.error(field, "missing"))
    }

    pub(crate) fn non_empty(&self, field: &str) -> Result<&str, NetworkError> {
        let raw = self.get(field)?;
        if raw.is_empty() {
            return Err(self.error(field, "must not be empty"));
        }
        Ok(raw)
    }

    pub(crate) fn parse<T: FromStr>(&self, field: &str) -> Result<T, NetworkError>
    where
        T::Err: FieldMessage,
    {
        let raw = self.get(field)?;
        raw.parse::<T>()
            .map_err(|e| self.error(field, e.message(raw)))
    }

    pub(crate) fn domain<T>(
        &self,
        field: &str,
        build: impl FnOnce(&str) -> Result<T, DomainError>,
    ) -> Result<T, NetworkError> {
        let raw = self.get(field)?;
        build(raw).map_err(|e| self.error(field, e.message))
    }

    pub(crate) fn point(&self, lat: &str, lon: &str) -> Result<GeoPoint, NetworkError> {
        let latitude = self.parse::<f64>(lat)?;
        let longitude = self.parse::<f64>(lon)?;
        GeoPoint::new(latitude, longitude).map_err(|e| {
            let field = if e.field == "lat" { lat } else { lon };
            self.error(field, e.message)
        })
    }
}
