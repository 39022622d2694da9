//! G.711 companding (ITU-T G.711), bit-exact with the ITU-T G.191 STL reference `g711.c`.
//!
//! Linear samples are 16-bit. The reference works on 14-bit (mu-law) and 13-bit (A-law)
//! left-justified values, so the low 2 or 3 bits of the input never reach the code.

/// The two G.711 laws, as negotiated in SDP (static RTP payload types 0 and 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Mu-law, used in North America and Japan: RTP payload type 0.
    Pcmu,
    /// A-law, used nearly everywhere else: RTP payload type 8.
    Pcma,
}

impl Codec {
    /// The static RTP payload type (RFC 3551, table 4).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The codec a static payload type stands for, if it is a G.711 one.
    pub const fn from_payload_type(payload_type: u8) -> Option<Codec> {
        match payload_type {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// Appends the codes for `samples` to `out`.
    pub fn encode(self, samples: &[i16], out: &mut Vec<u8>) {
        match self {
            Codec::Pcmu => encode_ulaw(samples, out),
            Codec::Pcma => encode_alaw(samples, out),
        }
    }

    /// Appends the linear samples for `codes` to `out`.
    pub fn decode(self, codes: &[u8], out: &mut Vec<i16>) {
        match self {
            Codec::Pcmu => decode_ulaw(codes, out),
            Codec::Pcma => decode_alaw(codes, out),
        }
    }
}

/// Offset between the A-law and mu-law segment thresholds, in 14-bit units (G.191 `g711.c`).
const ULAW_BIAS: i32 = 33;
/// Largest 14-bit magnitude (plus bias) mu-law can represent; louder samples clip here.
const ULAW_CLIP: i32 = 0x1FFF;

/// Mu-law code of one 16-bit linear sample.
pub fn ulaw_encode(sample: i16) -> u8 {
    let sample = i32::from(sample);
    // One's complement for negatives, as the reference does, so -1 and 0 share a code pair.
    let magnitude = if sample < 0 { !sample } else { sample };
    let biased = ((magnitude >> 2) + ULAW_BIAS).min(ULAW_CLIP);
    // Segment 1..=8: one more than the position of the highest set bit above bit 5.
    let segment = 1 + (32 - (biased >> 6).leading_zeros()) as i32;
    let high_nibble = 8 - segment;
    let low_nibble = 0x0F - ((biased >> segment) & 0x0F);
    let code = (high_nibble << 4) | low_nibble;
    let sign = if sample >= 0 { 0x80 } else { 0 };
    (code | sign) as u8
}

/// 16-bit linear value of one mu-law code.
pub const fn ulaw_decode(code: u8) -> i16 {
    let inverted = (!code) as i32;
    let exponent = (inverted >> 4) & 0x07;
    let mantissa = inverted & 0x0F;
    let step = 4 << (exponent + 1);
    let magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * ULAW_BIAS;
    (if code < 0x80 { -magnitude } else { magnitude }) as i16
}

/// A-law code of one 16-bit linear sample.
pub fn alaw_encode(sample: i16) -> u8 {
    let sample = i32::from(sample);
    // One's complement for negatives, as the reference does.
    let mut level = if sample < 0 {
        !sample >> 4
    } else {
        sample >> 4
    };
    if level > 15 {
        // Exponent 1..=7: shift the mantissa down until only its leading '1' is above bit 4.
        let mut exponent = 1;
        while level > 16 + 15 {
            level >>= 1;
            exponent += 1;
        }
        level = (level - 16) + (exponent << 4);
    }
    if sample >= 0 {
        level |= 0x80;
    }
    // Even bits are toggled so that idle channels carry alternating ones and zeros.
    (level ^ 0x55) as u8
}

/// 16-bit linear value of one A-law code.
pub const fn alaw_decode(code: u8) -> i16 {
    let toggled = ((code ^ 0x55) & 0x7F) as i32;
    let exponent = toggled >> 4;
    let mut mantissa = toggled & 0x0F;
    if exponent > 0 {
        mantissa += 16;
    }
    // Left-justify the mantissa and add half a quantization step.
    mantissa = (mantissa << 4) + 0x08;
    if exponent > 1 {
        mantissa <<= exponent - 1;
    }
    (if code > 0x7F { mantissa } else { -mantissa }) as i16
}

/// Appends the mu-law codes for `samples` to `out`.
pub fn encode_ulaw(samples: &[i16], out: &mut Vec<u8>) {
    out.extend(samples.iter().map(|&s| ulaw_encode(s)));
}

/// Appends the linear samples for mu-law `codes` to `out`.
pub fn decode_ulaw(codes: &[u8], out: &mut Vec<i16>) {
    out.extend(codes.iter().map(|&c| ULAW_TABLE[usize::from(c)]));
}

/// Appends the A-law codes for `samples` to `out`.
pub fn encode_alaw(samples: &[i16], out: &mut Vec<u8>) {
    out.extend(samples.iter().map(|&s| alaw_encode(s)));
}

/// Appends the linear samples for A-law `codes` to `out`.
pub fn decode_alaw(codes: &[u8], out: &mut Vec<i16>) {
    out.extend(codes.iter().map(|&c| ALAW_TABLE[usize::from(c)]));
}

/// Decoding a slice is a 256-entry lookup, built at compile time by the decoders above.
static ULAW_TABLE: [i16; 256] = decode_table(Codec::Pcmu);
static ALAW_TABLE: [i16; 256] = decode_table(Codec::Pcma);

const fn decode_table(codec: Codec) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = match codec {
            Codec::Pcmu => ulaw_decode(code as u8),
            Codec::Pcma => alaw_decode(code as u8),
        };
        code += 1;
    }
    table
}
