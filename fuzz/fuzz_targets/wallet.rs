//! Wallet addresses, note openings, payment requests, the stored ledger and compact
//! (light) blocks. The first byte picks the decoder. What must hold: address text
//! that parses prints as the same text (lowercase) and parses back to the same
//! address, whose bytes round-trip; an opening, a request, a ledger or a light block
//! that decodes re-encodes to exactly the bytes it came from (one encoding per value:
//! notes are signed and hashed).
#![no_main]

use encoding::Reader;
use libfuzzer_sys::fuzz_target;
use wallet::note::Opening;
use wallet::{Address, Ledger, LightBlock, Network, PaymentRequest};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 5 {
        0 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let Ok(address) = text.parse::<Address>() else {
                return;
            };
            let printed = address.to_string();
            assert_eq!(printed, text.to_lowercase(), "addresses print as parsed");
            assert_eq!(printed.parse::<Address>().ok(), Some(address));
            let bytes = address.to_bytes();
            assert_eq!(
                Address::from_bytes(address.network(), &bytes).ok(),
                Some(address)
            );
            assert_eq!(
                Address::parse(&printed, address.network()).ok(),
                Some(address)
            );
        }
        1 => {
            let Ok(opening) = Reader::parse(rest, Opening::decode) else {
                return;
            };
            let mut out = Vec::new();
            opening.encode(&mut out);
            assert_eq!(out, rest, "an opening has one encoding");
        }
        2 => {
            for network in [Network::Mainnet, Network::Testnet, Network::Devnet] {
                if let Ok(request) = PaymentRequest::from_bytes(rest, network) {
                    assert_eq!(request.to_bytes(), rest, "a request has one encoding");
                    assert_eq!(request.network, network);
                }
            }
        }
        3 => {
            let Ok(ledger) = Ledger::from_bytes(rest) else {
                return;
            };
            assert_eq!(ledger.to_bytes(), rest, "a ledger has one encoding");
        }
        _ => {
            let Ok(light) = LightBlock::from_bytes(rest) else {
                return;
            };
            assert_eq!(light.to_bytes(), rest, "a light block has one encoding");
        }
    }
});
