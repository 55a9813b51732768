//! `server.trusted_proxies`: IP addresses or networks, parsed when the configuration is
//! read so that a typo stops the hub at start (naming the key) instead of silently
//! trusting nobody, or everybody.

use serde::{Deserialize, Deserializer, de};
use std::net::IpAddr;
use std::str::FromStr;

/// One address (`10.0.0.7`) or network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(ipnet::IpNet);

impl Network {
    pub fn contains(&self, address: &IpAddr) -> bool {
        self.0.contains(address)
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Ok(network) = ipnet::IpNet::from_str(text) {
            return Ok(Self(network));
        }
        IpAddr::from_str(text)
            .map(|address| Self(ipnet::IpNet::from(address)))
            .map_err(|_| format!("{text:?} is not an IP address or network such as 10.0.0.0/8"))
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Network;
    use std::net::IpAddr;

    #[test]
    fn addresses_and_networks() {
        let single: Network = "10.0.0.7".parse().unwrap();
        let block: Network = "10.0.0.0/8".parse().unwrap();
        let v6: Network = "fd00::/8".parse().unwrap();
        let inside: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(block.contains(&inside));
        assert!(!single.contains(&inside));
        assert!(single.contains(&"10.0.0.7".parse().unwrap()));
        assert!(v6.contains(&"fd12::1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Network>().is_err());
        assert!("proxy.internal".parse::<Network>().is_err());
    }
}
