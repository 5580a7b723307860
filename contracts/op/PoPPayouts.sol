// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title PoPPayouts: the devchain's receiver of the 0x7D PoP payout system transaction
/// @notice Credits Proof-of-Proof miners for publishing an L2 keystone to Bitcoin, when Hemi's sequencer sends the
///         payout for that keystone (a type-0x7D transaction from 0x8888...8888, some keystones later).
/// @dev Written for hemi-sdk after the rules of hemilabs/pop-payouts contracts/PoPPayoutsV2.sol:
///      mintPoPRewards(uint64 blockRewarded, address[] accounts, uint32[] relPubHeights), callable only by
///      0x8888...8888; blockRewarded is a multiple of the keystone interval, strictly increasing and below
///      block.number; at most 75 publications; each publication scores by its Bitcoin height relative to the first
///      one (100000, 100000, 25000, 11111, 6250, 4000, 2778, 2041, 1563 for 0..8, nothing from 9 on); the round
///      emits PayoutRoundExecuted(blockRewarded, rewardPool, popScore).
///      Simplified here: the pool of a round is the fixed rewardPerRound (no weighted average over past rounds, no
///      10x multiplier), shared in proportion to score over max(popScore, 500000) (the target of 5 publications),
///      and rewards are a ledger in this contract (balanceOf), not a minted HEMI token.
contract PoPPayouts {
    address public constant SYSTEM_SENDER = 0x8888888888888888888888888888888888888888;
    uint256 public constant MAXIMUM_PUBLICATIONS = 75;
    uint256 public constant TARGET_SCORE = 500_000;

    uint256 public keystoneInterval; // slot 0, set in genesis
    uint256 public rewardPerRound; // slot 1, set in genesis
    uint64 public lastBlockRewarded; // slot 2
    uint256 public totalMinted; // slot 3
    mapping(address => uint256) public balanceOf; // slot 4

    event PayoutRoundExecuted(uint64 indexed blockRewarded, uint256 rewardPool, uint256 popScore);
    event PoPReward(address indexed account, uint64 indexed blockRewarded, uint256 amount);

    error NotSystemSender();
    error NotAKeystone(uint64 blockRewarded);
    error NotIncreasing(uint64 blockRewarded, uint64 lastBlockRewarded);
    error NotInThePast(uint64 blockRewarded);
    error BadPublications();

    function score(uint32 relPubHeight) public pure returns (uint256) {
        if (relPubHeight == 0 || relPubHeight == 1) return 100_000;
        if (relPubHeight == 2) return 25_000;
        if (relPubHeight == 3) return 11_111;
        if (relPubHeight == 4) return 6_250;
        if (relPubHeight == 5) return 4_000;
        if (relPubHeight == 6) return 2_778;
        if (relPubHeight == 7) return 2_041;
        if (relPubHeight == 8) return 1_563;
        return 0;
    }

    function mintPoPRewards(uint64 blockRewarded, address[] calldata accounts, uint32[] calldata relPubHeights)
        external
    {
        if (msg.sender != SYSTEM_SENDER) revert NotSystemSender();
        if (blockRewarded == 0 || blockRewarded % keystoneInterval != 0) revert NotAKeystone(blockRewarded);
        if (blockRewarded <= lastBlockRewarded) revert NotIncreasing(blockRewarded, lastBlockRewarded);
        if (blockRewarded >= block.number) revert NotInThePast(blockRewarded);
        if (accounts.length != relPubHeights.length || accounts.length > MAXIMUM_PUBLICATIONS) {
            revert BadPublications();
        }
        lastBlockRewarded = blockRewarded;
        uint256 popScore;
        for (uint256 i = 0; i < accounts.length; i++) {
            popScore += score(relPubHeights[i]);
        }
        uint256 pool = rewardPerRound;
        uint256 denominator = popScore > TARGET_SCORE ? popScore : TARGET_SCORE;
        for (uint256 i = 0; i < accounts.length; i++) {
            uint256 amount = pool * score(relPubHeights[i]) / denominator;
            if (amount != 0) {
                balanceOf[accounts[i]] += amount;
                totalMinted += amount;
                emit PoPReward(accounts[i], blockRewarded, amount);
            }
        }
        emit PayoutRoundExecuted(blockRewarded, pool, popScore);
    }
}
