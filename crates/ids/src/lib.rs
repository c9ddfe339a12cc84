#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Validated identifiers used throughout OneThing.
//!
//! Every type here follows "parse, don't validate": a value can only be
//! constructed through `parse` (or `FromStr` / `TryFrom` / serde), so holding
//! one is proof that the text is well formed. Errors explain in Simplified
//! Chinese *why* a value was rejected and carry a stable English `code()` for
//! machines (API responses, logs, metrics).
//!
//! | Type | Meaning | Standard |
//! |------|---------|----------|
//! | [`IdNumber`] | 公民身份号码 | GB 11643-1999 |
//! | [`CreditCode`] | 统一社会信用代码 | GB 32100-2015 |
//! | [`ItemCode`] | 事项编码 | `XK00001001` style |
//! | [`OneThingId`] | 一件事标识 | lower-case slug |
//!
//! ```
//! use ids::{CreditCode, IdNumber, Sex};
//!
//! let id = IdNumber::parse("11010519491231002x")?;
//! assert_eq!(id.as_str(), "11010519491231002X");
//! assert_eq!(id.sex(), Sex::Female);
//!
//! let err = IdNumber::parse("110105194912310023").unwrap_err();
//! assert_eq!(err.to_string(), "公民身份号码校验码错误：应为X，实际为3");
//! assert_eq!(err.code(), "ID_NUMBER_CHECK_DIGIT");
//!
//! assert!(CreditCode::parse("91350100M000100Y43").is_ok());
//! # Ok::<(), ids::IdNumberError>(())
//! ```

/// Implements the string-like plumbing shared by every identifier type:
/// `FromStr`, `Display`, `AsRef<str>`, `TryFrom<&str>`, `TryFrom<String>`,
/// `From<T> for String`, and serde support (serialized as the plain string,
/// deserialized through `parse` so invalid input is rejected with the Chinese
/// error message).
///
/// The type must provide `parse(&str) -> Result<Self, $err>` and
/// `as_str(&self) -> &str`.
macro_rules! string_identifier {
    ($ty:ident, $err:ty, $expecting:literal) => {
        impl ::std::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $err;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $err;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.as_str().to_owned()
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

mod credit_code;
mod id_number;
mod item_code;
mod one_thing_id;
pub mod region;
pub mod text;

pub use credit_code::{
    CREDIT_CODE_CHARSET, CreditCode, CreditCodeError, REGISTRATION_AUTHORITIES, credit_check_char,
    organization_check_char,
};
pub use id_number::{IdNumber, IdNumberError, Sex, id_check_char, is_valid_province_code};
pub use item_code::{ItemCode, ItemCodeError, ItemKind};
pub use one_thing_id::{OneThingId, OneThingIdError};
