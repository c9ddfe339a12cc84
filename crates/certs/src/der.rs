//! Strict DER for SM2 signatures: `SEQUENCE { INTEGER r, INTEGER s }`, the form OpenSSL emits and
//! expects for SM2 (GM/T 0009 §7.1 `SM2Signature`).
//!
//! Both integers are positive and at most 32 bytes long, so every length fits the DER short form.
//! Decoding accepts exactly the encoding this module produces (minimal integers, definite short
//! lengths, no trailing bytes), so a signature has one byte representation only.

const TAG_SEQUENCE: u8 = 0x30;
const TAG_INTEGER: u8 = 0x02;

/// Encodes two 32-byte big-endian scalars as a DER `SEQUENCE` of two `INTEGER`s.
pub(crate) fn encode_signature(r: &[u8; 32], s: &[u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(70);
    encode_integer(r, &mut body);
    encode_integer(s, &mut body);
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(TAG_SEQUENCE);
    // At most 2 * (2 + 33) = 70 bytes: short form.
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    out
}

fn encode_integer(value: &[u8; 32], out: &mut Vec<u8>) {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len() - 1);
    let digits = &value[start..];
    let pad = digits[0] & 0x80 != 0;
    out.push(TAG_INTEGER);
    out.push((digits.len() + usize::from(pad)) as u8);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

/// Decodes a strict DER SM2 signature into two 32-byte big-endian scalars.
pub(crate) fn decode_signature(der: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let (&tag, rest) = der.split_first()?;
    let (&len, body) = rest.split_first()?;
    if tag != TAG_SEQUENCE || len >= 0x80 || usize::from(len) != body.len() {
        return None;
    }
    let (r, rest) = decode_integer(body)?;
    let (s, rest) = decode_integer(rest)?;
    if !rest.is_empty() {
        return None;
    }
    Some((r, s))
}

fn decode_integer(input: &[u8]) -> Option<([u8; 32], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::from(len);
    if tag != TAG_INTEGER || len == 0 || len >= 0x80 || rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    // Negative numbers are never valid scalars.
    if content[0] & 0x80 != 0 {
        return None;
    }
    // Minimal encoding: a leading zero byte only when the next byte has its high bit set.
    let digits = if content[0] == 0 && content.len() > 1 {
        if content[1] & 0x80 == 0 {
            return None;
        }
        &content[1..]
    } else {
        content
    };
    if digits.len() > 32 {
        return None;
    }
    let mut out = [0u8; 32];
    out[32 - digits.len()..].copy_from_slice(digits);
    Some((out, rest))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn scalar(prefix: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[32 - prefix.len()..].copy_from_slice(prefix);
        out
    }

    #[test]
    fn encodes_small_and_high_bit_integers() {
        let r = scalar(&[0x01]);
        let mut s = [0x11u8; 32];
        s[0] = 0x80;
        let der = encode_signature(&r, &s);
        let mut expected = vec![0x30, 3 + 35, 0x02, 0x01, 0x01, 0x02, 33, 0x00];
        expected.extend_from_slice(&s);
        assert_eq!(der, expected);
        assert_eq!(decode_signature(&der), Some((r, s)));
    }

    #[test]
    fn zero_is_encoded_as_one_byte() {
        let zero = [0u8; 32];
        let der = encode_signature(&zero, &zero);
        assert_eq!(der, vec![0x30, 6, 0x02, 1, 0, 0x02, 1, 0]);
        assert_eq!(decode_signature(&der), Some((zero, zero)));
    }

    #[test]
    fn rejects_non_strict_encodings() {
        // Non-minimal leading zero.
        assert_eq!(decode_signature(&[0x30, 7, 0x02, 2, 0x00, 0x01, 0x02, 1, 0x01]), None);
        // Negative integer.
        assert_eq!(decode_signature(&[0x30, 6, 0x02, 1, 0x80, 0x02, 1, 0x01]), None);
        // Long-form length.
        assert_eq!(decode_signature(&[0x30, 0x81, 6, 0x02, 1, 0x01, 0x02, 1, 0x01]), None);
        // Trailing byte inside and after the sequence.
        assert_eq!(decode_signature(&[0x30, 7, 0x02, 1, 0x01, 0x02, 1, 0x01, 0x00]), None);
        assert_eq!(decode_signature(&[0x30, 6, 0x02, 1, 0x01, 0x02, 1, 0x01, 0x00]), None);
        // Empty integer, wrong tags, truncation.
        assert_eq!(decode_signature(&[0x30, 5, 0x02, 0, 0x02, 1, 0x01]), None);
        assert_eq!(decode_signature(&[0x31, 6, 0x02, 1, 0x01, 0x02, 1, 0x01]), None);
        assert_eq!(decode_signature(&[0x30, 6, 0x03, 1, 0x01, 0x02, 1, 0x01]), None);
        assert_eq!(decode_signature(&[0x30, 6, 0x02, 1, 0x01, 0x02, 2, 0x01]), None);
        assert_eq!(decode_signature(&[]), None);
        // 33 significant bytes do not fit a scalar.
        let mut too_long = vec![0x30, 38, 0x02, 33];
        too_long.extend_from_slice(&[0x01; 33]);
        too_long.extend_from_slice(&[0x02, 1, 0x01]);
        assert_eq!(decode_signature(&too_long), None);
    }
}
