//! Where callbacks may go: `https://` URLs on public addresses, or hosts on the
//! configured allow-list. Checked at intake and again, after DNS resolution, at every
//! delivery, so a name that later resolves to an internal address (DNS rebinding) is
//! still refused (SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

#[derive(Debug, Clone, Default)]
pub struct CallbackPolicy {
    allowed_hosts: Vec<String>,
}

impl CallbackPolicy {
    pub fn new(allowed_hosts: &[String]) -> Self {
        Self { allowed_hosts: allowed_hosts.iter().map(|h| h.to_ascii_lowercase()).collect() }
    }

    fn is_allow_listed(&self, url: &Url) -> bool {
        url.host_str().is_some_and(|host| {
            self.allowed_hosts.iter().any(|allowed| allowed == &host.to_ascii_lowercase())
        })
    }

    /// The intake-time check: scheme, host, and addresses written as IP literals.
    pub fn check(&self, text: &str) -> Result<Url, &'static str> {
        let url = Url::parse(text).map_err(|_| "must be an absolute https URL")?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry credentials");
        }
        let allowed = self.is_allow_listed(&url);
        match url.scheme() {
            "https" => {}
            "http" if allowed => {}
            _ => return Err("must be an https URL (plain http only for allow-listed hosts)"),
        }
        let internal_literal = match url.host() {
            Some(Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
            Some(Host::Domain(name)) => {
                name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost")
            }
            None => return Err("must name a host"),
        };
        if internal_literal && !allowed {
            return Err("must not point at an internal or link-local address");
        }
        Ok(url)
    }

    /// The delivery-time check: resolves the host and refuses internal addresses unless
    /// the host is allow-listed. The caller connects only to the addresses returned.
    pub async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let host = url.host_str().ok_or("no host")?;
        let port = url.port_or_known_default().ok_or("no port")?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| "could not resolve the host".to_owned())?
            .collect();
        if addresses.is_empty() {
            return Err("the host has no address".into());
        }
        if !self.is_allow_listed(url) && addresses.iter().any(|a| is_internal(a.ip())) {
            return Err("the host resolves to an internal address".into());
        }
        Ok(addresses)
    }
}

/// Loopback, private, link-local, shared, unspecified, broadcast, multicast and
/// documentation ranges: nothing a public intake system lives at.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_on_public_hosts_unless_allow_listed() {
        let policy = CallbackPolicy::new(&["intake.internal".into(), "127.0.0.1".into()]);
        assert!(policy.check("https://intake.example/hooks").is_ok());
        assert!(policy.check("http://intake.example/hooks").is_err());
        assert!(policy.check("http://intake.internal/hooks").is_ok());
        assert!(policy.check("http://127.0.0.1:9000/hooks").is_ok());
        for refused in [
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/x",
            "https://192.168.1.1/x",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://localhost/x",
            "https://127.0.0.2/x",
            "https://user:pw@intake.example/x",
            "ftp://intake.example/x",
            "not a url",
        ] {
            assert!(policy.check(refused).is_err(), "{refused}");
        }
    }

    #[tokio::test]
    async fn resolution_to_an_internal_address_is_refused_unless_allow_listed() {
        let strict = CallbackPolicy::default();
        let url = Url::parse("https://localhost:9/x").unwrap();
        assert!(strict.resolve(&url).await.is_err());
        let lenient = CallbackPolicy::new(&["localhost".into()]);
        assert!(lenient.resolve(&url).await.is_ok());
    }
}
