//! Checks that the stylesheet's text/background pairs keep a WCAG AA contrast (4.5:1), so a
//! palette change that makes a badge or the header unreadable fails the build's tests.

use super::assets::stylesheet;

/// Foreground and background variables used together in `static/ui.css`.
const PAIRS: [(&str, &str); 14] = [
    ("fg", "bg"),
    ("fg", "page"),
    ("muted", "bg"),
    ("muted", "page"),
    ("muted", "muted-bg"),
    ("link", "bg"),
    ("link", "info-bg"),
    ("brand-fg", "brand"),
    ("brand-fg", "link"),
    ("ok-fg", "ok-bg"),
    ("bad-fg", "bad-bg"),
    ("warn-fg", "warn-bg"),
    ("info-fg", "info-bg"),
    ("fg", "muted-bg"),
];

fn variable(name: &str) -> [f64; 3] {
    let css = stylesheet();
    let start = css.find(&format!("--{name}:")).unwrap_or_else(|| panic!("--{name} is not defined"));
    let hex = css[start..].split('#').nth(1).map(|h| &h[..6]).unwrap();
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
    [channel(0), channel(2), channel(4)]
}

fn luminance([r, g, b]: [f64; 3]) -> f64 {
    let linear = |c: f64| if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

fn ratio(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn every_text_and_background_pair_is_readable() {
    for (fg, bg) in PAIRS {
        let contrast = ratio(variable(fg), variable(bg));
        assert!(contrast >= 4.5, "--{fg} on --{bg}: contrast {contrast:.2} is below 4.5");
    }
}

#[test]
fn the_stylesheet_loads_nothing_from_elsewhere() {
    let css = stylesheet();
    assert!(!css.contains("@import") && !css.contains("url("), "the pages must not fetch other resources");
}
