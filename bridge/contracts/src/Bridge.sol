// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The minimal ERC-20 surface the bridge calls.
interface IERC20Minimal {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
}

/// @title The L1 side of the ZkVM chain's bridge.
/// @notice Takes ETH and ERC-20 deposits addressed to ZkVM addresses, pays withdrawals
/// and records checkpoints that more than two thirds of the validators' voting power
/// signed. Every signed digest is keccak256 of the ABI encoding of a type tag, the L1
/// chain ID, this contract's address and the message's fields (spec/bridge.md).
contract Bridge {
    /// @notice A secp256k1 signature over a digest (no message prefix).
    struct Signature {
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    /// @notice An agreed state of the ZkVM chain.
    struct Checkpoint {
        bytes32 blockId;
        bytes32 utxoRoot;
        bytes32 appHash;
    }

    bytes32 public constant WITHDRAWAL_TAG = keccak256("ZkVMBridge.Withdrawal.v1");
    bytes32 public constant CHECKPOINT_TAG = keccak256("ZkVMBridge.Checkpoint.v1");
    bytes32 public constant VALIDATORS_TAG = keccak256("ZkVMBridge.Validators.v1");

    /// @notice The length of a ZkVM address: version byte 1, control key, encryption key.
    uint256 public constant ZKVM_ADDRESS_LENGTH = 65;

    /// @notice The voting power of each validator's Ethereum address (0: not one).
    mapping(address => uint256) public powerOf;
    /// @notice The current validators, in the order they were set.
    address[] public validators;
    /// @notice The sum of the current validators' powers.
    uint256 public totalPower;
    /// @notice How many times the validator set was replaced.
    uint64 public validatorsNonce;

    /// @notice The nonce the next deposit gets.
    uint64 public nextDepositNonce;
    /// @notice Withdrawals paid, by withdrawal ID.
    mapping(bytes32 => bool) public paid;
    /// @notice Checkpoints by ZkVM height (a zero block ID: none).
    mapping(uint64 => Checkpoint) internal checkpoints;
    /// @notice The highest checkpointed height.
    uint64 public latestCheckpointHeight;

    event Deposit(
        uint64 indexed nonce,
        address indexed token,
        address indexed from,
        uint256 amount,
        bytes zkvmAddress
    );
    event WithdrawalPaid(
        bytes32 indexed id, bytes32 zkvmTxId, uint32 logIndex, address recipient, address token, uint256 amount
    );
    event CheckpointPosted(uint64 indexed height, bytes32 blockId, bytes32 utxoRoot, bytes32 appHash);
    event ValidatorsUpdated(uint64 nonce, address[] validators, uint256[] powers);

    error BadValidatorSet();
    error BadZkvmAddress();
    error ZeroAmount();
    error AmountTooLarge();
    error TokenTransferFailed();
    error AlreadyPaid();
    error CheckpointExists();
    error ZeroBlockId();
    error SignersNotSorted();
    error NotAValidator(address signer);
    error NotEnoughPower(uint256 signed, uint256 total);
    error EthTransferFailed();

    constructor(address[] memory initialValidators, uint256[] memory powers) {
        setValidators(initialValidators, powers);
    }

    /// @notice Deposits the ETH sent to `zkvmAddress`.
    function depositEth(bytes calldata zkvmAddress) external payable {
        recordDeposit(address(0), msg.value, zkvmAddress);
    }

    /// @notice Deposits `amount` of `token` (approved beforehand) to `zkvmAddress`; the
    /// amount recorded is what this contract received.
    function depositErc20(address token, uint256 amount, bytes calldata zkvmAddress) external {
        uint256 before = IERC20Minimal(token).balanceOf(address(this));
        callToken(token, abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount)));
        uint256 received = IERC20Minimal(token).balanceOf(address(this)) - before;
        recordDeposit(token, received, zkvmAddress);
    }

    /// @notice The digest validators sign to pay a withdrawal.
    function withdrawalDigest(
        bytes32 zkvmTxId,
        uint32 logIndex,
        address recipient,
        address token,
        uint256 amount
    ) public view returns (bytes32) {
        return keccak256(
            abi.encode(WITHDRAWAL_TAG, block.chainid, address(this), zkvmTxId, logIndex, recipient, token, amount)
        );
    }

    /// @notice The ID under which a withdrawal is paid once.
    function withdrawalId(bytes32 zkvmTxId, uint32 logIndex) public pure returns (bytes32) {
        return keccak256(abi.encode(zkvmTxId, logIndex));
    }

    /// @notice Pays a withdrawal that more than two thirds of the power signed.
    function withdraw(
        bytes32 zkvmTxId,
        uint32 logIndex,
        address recipient,
        address token,
        uint256 amount,
        Signature[] calldata signatures
    ) external {
        bytes32 id = withdrawalId(zkvmTxId, logIndex);
        if (paid[id]) revert AlreadyPaid();
        checkSignatures(withdrawalDigest(zkvmTxId, logIndex, recipient, token, amount), signatures);
        paid[id] = true;
        emit WithdrawalPaid(id, zkvmTxId, logIndex, recipient, token, amount);
        if (token == address(0)) {
            (bool ok,) = recipient.call{value: amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            callToken(token, abi.encodeCall(IERC20Minimal.transfer, (recipient, amount)));
        }
    }

    /// @notice The digest validators sign for a checkpoint.
    function checkpointDigest(uint64 height, bytes32 blockId, bytes32 utxoRoot, bytes32 appHash)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(CHECKPOINT_TAG, block.chainid, address(this), height, blockId, utxoRoot, appHash));
    }

    /// @notice Records the checkpoint of `height`, once.
    function postCheckpoint(
        uint64 height,
        bytes32 blockId,
        bytes32 utxoRoot,
        bytes32 appHash,
        Signature[] calldata signatures
    ) external {
        if (checkpoints[height].blockId != bytes32(0)) revert CheckpointExists();
        if (blockId == bytes32(0)) revert ZeroBlockId();
        checkSignatures(checkpointDigest(height, blockId, utxoRoot, appHash), signatures);
        checkpoints[height] = Checkpoint(blockId, utxoRoot, appHash);
        if (height > latestCheckpointHeight) latestCheckpointHeight = height;
        emit CheckpointPosted(height, blockId, utxoRoot, appHash);
    }

    /// @notice The checkpoint of `height` (zeros when there is none).
    function checkpointAt(uint64 height) external view returns (Checkpoint memory) {
        return checkpoints[height];
    }

    /// @notice The digest the current validators sign to hand over to a new set.
    function validatorsDigest(uint64 nonce, address[] calldata newValidators, uint256[] calldata powers)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(VALIDATORS_TAG, block.chainid, address(this), nonce, newValidators, powers));
    }

    /// @notice Replaces the validator set, signed by more than two thirds of the current one.
    function updateValidators(
        address[] calldata newValidators,
        uint256[] calldata powers,
        Signature[] calldata signatures
    ) external {
        checkSignatures(validatorsDigest(validatorsNonce, newValidators, powers), signatures);
        for (uint256 i = 0; i < validators.length; i++) {
            powerOf[validators[i]] = 0;
        }
        validatorsNonce += 1;
        setValidators(newValidators, powers);
    }

    /// @notice The current validators and their powers.
    function validatorSet() external view returns (address[] memory, uint256[] memory) {
        uint256[] memory powers = new uint256[](validators.length);
        for (uint256 i = 0; i < validators.length; i++) {
            powers[i] = powerOf[validators[i]];
        }
        return (validators, powers);
    }

    function recordDeposit(address token, uint256 amount, bytes calldata zkvmAddress) internal {
        if (zkvmAddress.length != ZKVM_ADDRESS_LENGTH || zkvmAddress[0] != 0x01) revert BadZkvmAddress();
        if (amount == 0) revert ZeroAmount();
        // ZkVM quantities are 64-bit.
        if (amount > type(uint64).max) revert AmountTooLarge();
        uint64 nonce = nextDepositNonce;
        nextDepositNonce = nonce + 1;
        emit Deposit(nonce, token, msg.sender, amount, zkvmAddress);
    }

    /// Signers must be distinct validators, in increasing address order, holding more
    /// than two thirds of the total power.
    function checkSignatures(bytes32 digest, Signature[] calldata signatures) internal view {
        uint256 signed = 0;
        address last = address(0);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = ecrecover(digest, signatures[i].v, signatures[i].r, signatures[i].s);
            if (signer <= last) revert SignersNotSorted();
            uint256 power = powerOf[signer];
            if (power == 0) revert NotAValidator(signer);
            signed += power;
            last = signer;
        }
        if (signed * 3 <= totalPower * 2) revert NotEnoughPower(signed, totalPower);
    }

    function setValidators(address[] memory newValidators, uint256[] memory powers) internal {
        if (newValidators.length == 0 || newValidators.length != powers.length) revert BadValidatorSet();
        delete validators;
        uint256 total = 0;
        for (uint256 i = 0; i < newValidators.length; i++) {
            address v = newValidators[i];
            if (v == address(0) || powers[i] == 0 || powerOf[v] != 0) revert BadValidatorSet();
            powerOf[v] = powers[i];
            validators.push(v);
            total += powers[i];
        }
        totalPower = total;
        emit ValidatorsUpdated(validatorsNonce, newValidators, powers);
    }

    /// Calls a token and requires success and, if it returns data, `true`.
    function callToken(address token, bytes memory data) internal {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || token.code.length == 0 || (ret.length != 0 && !abi.decode(ret, (bool)))) {
            revert TokenTransferFailed();
        }
    }
}
