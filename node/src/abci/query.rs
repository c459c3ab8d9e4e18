//! The info connection: `Info` and `Query`.
//!
//! Query paths (the answer's `value`; `height` is CometBFT's height of the tip):
//! - `/tip`: the encoded header of our tip;
//! - `/tx/<hex ID>`: a mined transaction's record (LE64 height, LE32 index, log);
//! - `/utxo/<hex contract ID>`: the Utreexo proof of an unspent output at the tip's
//!   forest.
//!
//! Only the latest state is served: a query at another height than 0 or the tip's
//! gets [`ErrorCode::WrongHeight`].

use super::mapping::{app_hash, cometbft_height};
use super::{App, ErrorCode};
use crate::error::NodeError;
use encoding::Encodable;
use tendermint::abci::{request, response};
use zkvm::{ContractId, TxId};

/// The application's version reported by `Info`.
pub const APP_VERSION: u64 = 1;

impl App {
    /// The last committed height and app hash (zero and empty before `InitChain`).
    pub fn info(&self, _: request::Info) -> response::Info {
        let (height, hash) = match self.engine.get() {
            Ok(engine) => {
                let tip = engine.status().tip;
                (cometbft_height(tip.height), app_hash(&tip))
            }
            Err(_) => (0u32.into(), Default::default()),
        };
        response::Info {
            data: "zkvm-node".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            app_version: APP_VERSION,
            last_block_height: height,
            last_block_app_hash: hash,
        }
    }

    /// Answers a query path (see the module notes).
    pub fn query(&self, req: request::Query) -> response::Query {
        match self.answer(&req) {
            Ok((height, value)) => response::Query {
                key: req.data,
                value: value.into(),
                height,
                ..Default::default()
            },
            Err((code, log)) => response::Query {
                code: code.value().into(),
                log,
                key: req.data,
                ..Default::default()
            },
        }
    }

    fn answer(
        &self,
        req: &request::Query,
    ) -> Result<(tendermint::block::Height, Vec<u8>), (ErrorCode, String)> {
        let engine = self
            .engine
            .get()
            .map_err(|e| (ErrorCode::NotReady, e.to_string()))?;
        let tip = engine.status().tip;
        let height = cometbft_height(tip.height);
        if req.height.value() != 0 && req.height != height {
            return Err((
                ErrorCode::WrongHeight,
                format!("only the tip ({height}) is served"),
            ));
        }
        let internal = |e: NodeError| (ErrorCode::of(&e), e.to_string());
        let not_found = || (ErrorCode::NotFound, format!("nothing at {}", req.path));
        let value = match req
            .path
            .split_once('/')
            .map(|(_, p)| p.split_once('/').unwrap_or((p, "")))
        {
            Some(("tip", "")) => tip.to_bytes(),
            Some(("tx", id)) => {
                let id = TxId(parse_id(id)?);
                engine
                    .store()
                    .tx(&id)
                    .map_err(internal)?
                    .ok_or_else(not_found)?
                    .to_bytes()
            }
            Some(("utxo", id)) => {
                let id = ContractId(parse_id(id)?);
                engine
                    .store()
                    .utxo_proof(&id)
                    .map_err(internal)?
                    .ok_or_else(not_found)?
                    .encode_to_vec()
            }
            _ => return Err((ErrorCode::NotFound, format!("no query path {:?}", req.path))),
        };
        Ok((height, value))
    }
}

fn parse_id(text: &str) -> Result<[u8; 32], (ErrorCode, String)> {
    let bytes = hex::decode(text).map_err(|e| (ErrorCode::Malformed, format!("ID: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| (ErrorCode::Malformed, "an ID is 32 bytes".into()))
}
