//! Wallet addresses, note openings and plaintexts, payment requests, the stored
//! ledger and asset names, viewing keys, payment disclosures, offline-signing
//! proposals and compact (light) blocks. The first byte picks the decoder. What must
//! hold: text (addresses, viewing keys, disclosures) that parses prints as the same
//! text (lowercase) and parses back to the same value; bytes that decode re-encode to
//! exactly the bytes they came from (one encoding per value: notes are signed and
//! hashed).
#![no_main]

use encoding::Reader;
use libfuzzer_sys::fuzz_target;
use wallet::note::{NotePlaintext, Opening};
use wallet::{
    Address, AssetBook, Disclosure, Ledger, LightBlock, Network, OutgoingViewingKey,
    PaymentRequest, Proposal, ViewingKey,
};

const NETWORKS: [Network; 3] = [Network::Mainnet, Network::Testnet, Network::Devnet];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 10 {
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
        4 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            for network in NETWORKS {
                if let Ok(key) = ViewingKey::from_text(text, network) {
                    let printed = match &key {
                        ViewingKey::Incoming(k) => k.to_text(network),
                        ViewingKey::Full(k) => k.to_text(network),
                    };
                    assert_eq!(*printed, text.trim().to_lowercase(), "keys print as parsed");
                }
                if let Ok(key) = OutgoingViewingKey::from_text(text, network) {
                    assert_eq!(*key.to_text(network), text.trim().to_lowercase());
                }
            }
        }
        5 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            for network in NETWORKS {
                if let Ok(disclosure) = Disclosure::from_text(text, network) {
                    let printed = disclosure.to_text();
                    assert_eq!(
                        printed,
                        text.trim().to_lowercase(),
                        "disclosures print as parsed"
                    );
                    assert_eq!(
                        Disclosure::from_text(&printed, network).ok(),
                        Some(disclosure)
                    );
                }
            }
        }
        6 => {
            let Ok(proposal) = Proposal::from_bytes(rest) else {
                return;
            };
            assert_eq!(proposal.to_bytes(), rest, "a proposal has one encoding");
        }
        7 => {
            let Ok(plaintext) = Reader::parse(rest, NotePlaintext::decode) else {
                return;
            };
            let mut out = Vec::new();
            plaintext.encode(&mut out);
            assert_eq!(out, rest, "a note plaintext has one encoding");
        }
        8 => {
            let Ok(book) = Reader::parse(rest, AssetBook::decode) else {
                return;
            };
            let mut out = Vec::new();
            book.encode(&mut out);
            assert_eq!(out, rest, "asset names have one encoding");
        }
        _ => {
            let Ok(light) = LightBlock::from_bytes(rest) else {
                return;
            };
            assert_eq!(light.to_bytes(), rest, "a light block has one encoding");
        }
    }
});
