//! How the wallet commands read and show values: flavors (with the names the wallet
//! knows), fee rates, addresses, memos, balances and the history's lines.

use super::{ACCOUNT, NETWORK};
use crate::error::NodeError;
use curve25519_dalek::scalar::Scalar;
use std::collections::{BTreeMap, BTreeSet};
use wallet::{Address, Balance, BlockReport, Memo, Owner, Recipient, Wallet};
use zkvm::{ContractId, FeeRate};

/// One line of a wallet's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The wallet's tip height when it happened.
    pub height: u64,
    /// What happened.
    pub text: String,
}

/// A flavor as the hex of its scalar (what `--flavor` takes).
pub fn flavor_hex(flavor: &Scalar) -> String {
    hex::encode(flavor.as_bytes())
}

/// A flavor for people: its name in quotes beside the hex when the wallet knows it.
pub fn flavor_label(wallet: &Wallet, flavor: &Scalar) -> String {
    match wallet.flavor_name(flavor) {
        Some(name) => format!("{name:?} ({})", flavor_hex(flavor)),
        None => flavor_hex(flavor),
    }
}

/// A memo as quoted text, or hex when it is not UTF-8.
pub fn memo_text(memo: &Memo) -> String {
    match memo.as_text() {
        Some(text) => format!("{text:?}"),
        None => format!("0x{}", hex::encode(memo.as_bytes())),
    }
}

/// `, memo "…"` when there is a memo, else nothing.
pub fn memo_suffix(memo: Option<&Memo>) -> String {
    memo.map(|m| format!(", memo {}", memo_text(m)))
        .unwrap_or_default()
}

/// Where a payment went: an address, or a payment request's one-time key.
pub fn recipient_text(to: &Recipient) -> String {
    match to {
        Recipient::Address(a) => a.to_string(),
        Recipient::RequestKey(k) => format!("payment request key {}", hex::encode(k.as_bytes())),
    }
}

/// Parses `--flavor HEX`.
pub fn parse_flavor(text: &str) -> Result<Scalar, NodeError> {
    let bytes: [u8; 32] = NodeError::decode_hex("flavor", text)?
        .try_into()
        .map_err(|_| NodeError::Invalid {
            what: "flavor",
            reason: "not 32 bytes (64 hex digits, as `wallet balance` shows)".into(),
        })?;
    Option::from(Scalar::from_canonical_bytes(bytes)).ok_or_else(|| NodeError::Invalid {
        what: "flavor",
        reason: "not a canonical scalar; copy the flavor `wallet balance` shows".into(),
    })
}

/// The flavor of `--flavor`, flavor zero when absent.
pub fn flavor_or_zero(text: Option<&str>) -> Result<Scalar, NodeError> {
    Ok(text.map(parse_flavor).transpose()?.unwrap_or(Scalar::ZERO))
}

/// The help of every `--fee-rate` option.
pub const FEE_RATE_HELP: &str =
    "The fee rate, fee per weight unit: F/W is F units of fee per W weight units, F is F per weight unit";

/// Parses `--fee-rate`: `F/W` (F units of fee per W weight units) or `F` (per
/// weight unit).
pub fn parse_fee_rate(text: &str) -> Result<FeeRate, NodeError> {
    let invalid = || NodeError::Invalid {
        what: "fee rate",
        reason: format!(
            "{text:?} is not F/W (fee per weight units) or F with whole numbers, W above zero"
        ),
    };
    let (fee, weight) = text.split_once('/').unwrap_or((text, "1"));
    let fee = fee.trim().parse().map_err(|_| invalid())?;
    let weight: u64 = weight.trim().parse().map_err(|_| invalid())?;
    if weight == 0 {
        return Err(invalid());
    }
    Ok(FeeRate::new(fee, weight))
}

/// Parses a recipient address of the wallets' network.
pub fn parse_address(text: &str) -> Result<Address, NodeError> {
    Ok(Address::parse(text.trim(), NETWORK)?)
}

/// The balance table of `owner`: flavor, confirmed, pending, locked, name.
pub fn balance_table(wallet: &Wallet, balances: &[(Scalar, Balance)]) -> String {
    let mut out = format!(
        "{:<64}  {:>20} {:>20} {:>20}  name\n",
        "flavor", "confirmed", "pending", "locked"
    );
    for (flavor, b) in balances {
        let name = wallet
            .assets()
            .name(flavor)
            .map(super::bridge::asset_label)
            .unwrap_or_default();
        out += &format!(
            "{:<64}  {:>20} {:>20} {:>20}  {name}\n",
            flavor_hex(flavor),
            b.confirmed,
            b.pending,
            b.locked
        )
        .replace("  \n", "\n");
    }
    out
}

/// Who an owner is, in the history's words.
fn owner_text(owner: Owner) -> &'static str {
    match owner {
        Owner::Shared => " (shared account)",
        o if o == ACCOUNT => "",
        Owner::Account(_) => " (another account)",
    }
}

/// The history's lines for what one block did to the wallet: payments sent (from
/// the outgoing records), received (with memos) and change, outputs spent,
/// transactions mined or dropped. `before` holds the outputs owned before the
/// block (what spent ones held).
pub fn describe_report(
    wallet: &Wallet,
    report: &BlockReport,
    before: &BTreeMap<ContractId, (u64, Scalar)>,
) -> Vec<String> {
    let label = |f: &Scalar| flavor_label(wallet, f);
    let mut lines = Vec::new();
    let sent: BTreeSet<_> = report.history.sent.iter().map(|s| s.tx).collect();
    for s in &report.history.sent {
        for p in &s.payments {
            lines.push(format!(
                "sent {} of {} to {}{}{}, in transaction {}",
                p.qty,
                label(&p.flavor),
                recipient_text(&p.to),
                owner_text(s.from),
                memo_suffix(p.memo.as_ref()),
                s.tx
            ));
        }
        for (qty, flavor) in &s.retired {
            lines.push(format!(
                "retired {qty} of {} in transaction {}",
                label(flavor),
                s.tx
            ));
        }
        for (qty, flavor) in &s.issued {
            lines.push(format!(
                "issued {qty} of {} in transaction {}",
                label(flavor),
                s.tx
            ));
        }
        lines.push(format!("transaction {} paid fee {}", s.tx, s.fee));
    }
    for r in &report.history.received {
        let what = if sent.contains(&r.tx) {
            "change"
        } else {
            "received"
        };
        lines.push(format!(
            "{what} {} of {}{} in output {}{}",
            r.qty,
            label(&r.flavor),
            owner_text(r.owner),
            r.output,
            memo_suffix(r.memo.as_ref())
        ));
    }
    for id in &report.spent {
        if let Some((qty, flavor)) = before.get(id) {
            lines.push(format!("spent {qty} of {} from output {id}", label(flavor)));
        }
    }
    for id in &report.mined {
        lines.push(format!("transaction {id} mined"));
    }
    for id in &report.dropped {
        lines.push(format!("transaction {id} dropped (expired or conflicting)"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_rates_flavors_and_addresses_are_parsed_or_refused() {
        assert_eq!(parse_fee_rate("3/20").unwrap(), FeeRate::new(3, 20));
        assert_eq!(parse_fee_rate("2").unwrap(), FeeRate::new(2, 1));
        for bad in ["1/0", "x", "-1", "1/2/3"] {
            assert!(parse_fee_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_flavor(&"00".repeat(32)).unwrap(), Scalar::ZERO);
        assert_eq!(flavor_or_zero(None).unwrap(), Scalar::ZERO);
        assert!(parse_flavor("00").is_err());
        assert!(parse_flavor(&"ff".repeat(32)).is_err());
        assert!(parse_address("zkd1nothing").is_err());
        assert_eq!(
            memo_text(&Memo::new("rent".as_bytes()).unwrap()),
            "\"rent\""
        );
        assert_eq!(memo_text(&Memo::new(vec![0xff, 0]).unwrap()), "0xff00");
    }
}
