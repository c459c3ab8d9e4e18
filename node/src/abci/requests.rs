//! `InitChain` as CometBFT 0.38 sends it with its default genesis, for tools, tests,
//! benchmarks and fuzz targets that drive the application without CometBFT.

use tendermint_proto::google::protobuf::{Duration, Timestamp};
use tendermint_proto::v0_38::abci as pb;
use tendermint_proto::v0_38::types as pbt;

/// The protobuf time `ms` milliseconds after the Unix epoch.
pub fn timestamp(ms: u64) -> Timestamp {
    Timestamp {
        seconds: (ms / 1000) as i64,
        nanos: ((ms % 1000) * 1_000_000) as i32,
    }
}

/// The consensus parameters of CometBFT 0.38's default genesis.
pub fn default_consensus_params() -> pbt::ConsensusParams {
    pbt::ConsensusParams {
        block: Some(pbt::BlockParams {
            max_bytes: 22_020_096,
            max_gas: -1,
        }),
        evidence: Some(pbt::EvidenceParams {
            max_age_num_blocks: 100_000,
            max_age_duration: Some(Duration {
                seconds: 172_800,
                nanos: 0,
            }),
            max_bytes: 1_048_576,
        }),
        validator: Some(pbt::ValidatorParams {
            pub_key_types: vec!["ed25519".into()],
        }),
        version: Some(pbt::VersionParams { app: 0 }),
        abci: None,
    }
}

/// `InitChain` of chain `chain_id` at `genesis_ms`, with the default consensus
/// parameters, no validators, initial height 1 and `app_state` (the JSON of
/// [`crate::abci::app_state::AppState`]).
pub fn init_chain(chain_id: &str, genesis_ms: u64, app_state: Vec<u8>) -> pb::RequestInitChain {
    pb::RequestInitChain {
        time: Some(timestamp(genesis_ms)),
        chain_id: chain_id.into(),
        consensus_params: Some(default_consensus_params()),
        validators: Vec::new(),
        app_state_bytes: app_state.into(),
        initial_height: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_milliseconds() {
        let t = timestamp(1_700_000_000_123);
        assert_eq!((t.seconds, t.nanos), (1_700_000_000, 123_000_000));
    }

    #[test]
    fn init_chain_converts_as_the_socket_server_does() {
        let request = init_chain("c", 1_700_000_000_000, b"{}".to_vec());
        let converted: tendermint::abci::request::InitChain =
            request.try_into().expect("a request CometBFT could send");
        assert_eq!(converted.chain_id, "c");
        assert_eq!(converted.initial_height.value(), 1);
        assert_eq!(converted.app_state_bytes.as_ref(), b"{}");
    }
}
