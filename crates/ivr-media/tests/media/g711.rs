use ivr_media::g711::{
    Codec, alaw_decode, alaw_encode, decode_ulaw, encode_alaw, encode_ulaw, ulaw_decode,
    ulaw_encode,
};
use proptest::prelude::*;

/// Mu-law decoder output from G.711 table 2a, written from the spec rather than the crate:
/// the code's bits are inverted; 3 exponent bits e and 4 mantissa bits m give the 14-bit
/// magnitude ((2m + 33) * 2^e) - 33; the sign bit set means positive. Scaled to 16 bits.
fn ulaw_reference(code: u8) -> i16 {
    let inverted = !code;
    let e = i32::from((inverted >> 4) & 0x07);
    let m = i32::from(inverted & 0x0F);
    let magnitude = (((2 * m + 33) << e) - 33) * 4;
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

/// A-law decoder output from G.711 table 1a: even bits are inverted (XOR 0x55); exponent e,
/// mantissa m give the 13-bit magnitude 2m + 1 for e = 0, (2m + 33) * 2^(e - 1) otherwise;
/// the sign bit set means positive. Scaled to 16 bits.
fn alaw_reference(code: u8) -> i16 {
    let toggled = code ^ 0x55;
    let e = i32::from((toggled >> 4) & 0x07);
    let m = i32::from(toggled & 0x0F);
    let magnitude = if e == 0 {
        2 * m + 1
    } else {
        (2 * m + 33) << (e - 1)
    } * 8;
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

/// Quantization step (16-bit units) of the segment a code is in, from the same tables.
fn ulaw_step(code: u8) -> i32 {
    8 << ((!code >> 4) & 0x07)
}

fn alaw_step(code: u8) -> i32 {
    let e = ((code ^ 0x55) >> 4) & 0x07;
    16 << e.max(1).saturating_sub(1)
}

/// Mu-law's largest output; beyond it (plus half a step) samples clip.
const ULAW_MAX: i32 = 32124;

#[test]
fn ulaw_decodes_every_code_as_the_spec_tables_say() {
    for code in 0..=255u8 {
        assert_eq!(ulaw_decode(code), ulaw_reference(code), "code {code:#04x}");
    }
}

#[test]
fn alaw_decodes_every_code_as_the_spec_tables_say() {
    for code in 0..=255u8 {
        assert_eq!(alaw_decode(code), alaw_reference(code), "code {code:#04x}");
    }
}

#[test]
fn reference_points_match_g191() {
    // Zero and minus one fall either side of the sign: the reference's one's complement.
    assert_eq!(ulaw_encode(0), 0xFF);
    assert_eq!(ulaw_encode(-1), 0x7F);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    assert_eq!(alaw_encode(0), 0xD5);
    assert_eq!(alaw_encode(-1), 0x55);
    assert_eq!(alaw_encode(i16::MAX), 0xAA);
    assert_eq!(alaw_encode(i16::MIN), 0x2A);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0xD5), 8);
}

#[test]
fn ulaw_reencodes_every_code_except_negative_zero() {
    for code in 0..=255u8 {
        let again = ulaw_encode(ulaw_decode(code));
        if code == 0x7F {
            // 0x7F and 0xFF both decode to 0; 0 encodes as the positive one.
            assert_eq!(again, 0xFF);
        } else {
            assert_eq!(again, code, "code {code:#04x}");
        }
    }
}

#[test]
fn alaw_reencodes_every_code() {
    for code in 0..=255u8 {
        assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
    }
}

#[test]
fn every_sample_is_within_half_a_step_and_monotonic() {
    let mut previous = (i16::MIN, i16::MIN);
    for sample in i16::MIN..=i16::MAX {
        let s = i32::from(sample);
        let u = ulaw_encode(sample);
        let u_error = (i32::from(ulaw_decode(u)) - s).abs();
        let u_bound = (ulaw_step(u) / 2).max(s.abs() - ULAW_MAX);
        assert!(
            u_error <= u_bound,
            "mu-law {sample}: error {u_error} > {u_bound}"
        );
        let a = alaw_encode(sample);
        let a_error = (i32::from(alaw_decode(a)) - s).abs();
        assert!(
            a_error <= alaw_step(a) / 2,
            "A-law {sample}: error {a_error}"
        );

        let now = (ulaw_decode(u), alaw_decode(a));
        assert!(
            now.0 >= previous.0 && now.1 >= previous.1,
            "not monotonic at {sample}"
        );
        previous = now;
    }
}

#[test]
fn slice_helpers_and_codec_agree_with_the_scalar_functions() {
    let samples: Vec<i16> = (-400..400).map(|i| (i * 81) as i16).collect();
    let mut ulaw = Vec::new();
    encode_ulaw(&samples, &mut ulaw);
    let mut alaw = Vec::new();
    encode_alaw(&samples, &mut alaw);
    let mut via_codec = Vec::new();
    Codec::Pcmu.encode(&samples, &mut via_codec);
    assert_eq!(via_codec, ulaw);
    via_codec.clear();
    Codec::Pcma.encode(&samples, &mut via_codec);
    assert_eq!(via_codec, alaw);

    let mut decoded = Vec::new();
    decode_ulaw(&ulaw, &mut decoded);
    let scalar: Vec<i16> = ulaw.iter().map(|&c| ulaw_decode(c)).collect();
    assert_eq!(decoded, scalar);
    decoded.clear();
    Codec::Pcma.decode(&alaw, &mut decoded);
    let scalar: Vec<i16> = alaw.iter().map(|&c| alaw_decode(c)).collect();
    assert_eq!(decoded, scalar);
}

#[test]
fn codecs_have_their_static_payload_types() {
    assert_eq!(Codec::Pcmu.payload_type(), 0);
    assert_eq!(Codec::Pcma.payload_type(), 8);
    assert_eq!(Codec::from_payload_type(0), Some(Codec::Pcmu));
    assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
    assert_eq!(Codec::from_payload_type(18), None);
}

proptest! {
    #[test]
    fn encoding_preserves_order(a in any::<i16>(), b in any::<i16>()) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(ulaw_decode(ulaw_encode(low)) <= ulaw_decode(ulaw_encode(high)));
        prop_assert!(alaw_decode(alaw_encode(low)) <= alaw_decode(alaw_encode(high)));
    }

    #[test]
    fn round_trip_error_is_within_the_quantization_step(sample in any::<i16>()) {
        let s = i32::from(sample);
        let u = ulaw_encode(sample);
        let bound = (ulaw_step(u) / 2).max(s.abs() - ULAW_MAX);
        prop_assert!((i32::from(ulaw_decode(u)) - s).abs() <= bound);
        let a = alaw_encode(sample);
        prop_assert!((i32::from(alaw_decode(a)) - s).abs() <= alaw_step(a) / 2);
    }
}
