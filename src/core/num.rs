//! The few float operations the core needs that `core` alone does not provide (they live in
//! `std`, which the npm build leaves out). Exact for the magnitudes used here (below 2^53).

/// `x` without its fraction (toward zero); `x` itself when it has none to lose.
fn trunc(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        x as i64 as f64
    } else {
        x // 2^52 and beyond: no fraction (or NaN/infinity)
    }
}

/// Whether `x` is a whole number (false for NaN and infinities).
pub fn is_whole(x: f64) -> bool {
    x.is_finite() && trunc(x) == x
}

/// The largest whole number not above `x`.
pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// The smallest whole number not below `x`.
pub fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// `x` rounded to the nearest whole number, halves away from zero (as `f64::round`).
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    let fraction = x - t; // exact
    if fraction >= 0.5 {
        t + 1.0
    } else if fraction <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// `base` raised to `n`, by repeated squaring (as `f64::powi`).
pub fn powi(mut base: f64, n: i32) -> f64 {
    let mut rest = n.unsigned_abs();
    let mut result = 1.0;
    loop {
        if rest & 1 == 1 {
            result *= base;
        }
        rest >>= 1;
        if rest == 0 {
            break;
        }
        base *= base;
    }
    if n < 0 {
        1.0 / result
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: [f64; 16] = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        0.49999999999999994,
        -2.7,
        3.2,
        1e15 + 0.5,
        4_503_599_627_370_497.0,
        1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1_790_000_000_123.75,
    ];

    #[test]
    fn matches_std() {
        for x in SAMPLES {
            assert_eq!(floor(x), x.floor(), "floor {x}");
            assert_eq!(ceil(x), x.ceil(), "ceil {x}");
            assert_eq!(round(x), x.round(), "round {x}");
            assert_eq!(is_whole(x), x.is_finite() && x.fract() == 0.0, "whole {x}");
        }
        assert!(floor(f64::NAN).is_nan() && round(f64::NAN).is_nan() && !is_whole(f64::NAN));
        for n in [
            -400,
            -308,
            -20,
            -1,
            0,
            1,
            2,
            16,
            22,
            23,
            308,
            400,
            i32::MAX,
            i32::MIN,
        ] {
            for base in [10.0, 2.0, 0.5] {
                assert_eq!(powi(base, n), f64::powi(base, n), "{base}^{n}");
            }
        }
    }
}
