// Contract calls geth users send whose selectors the old 345 built-ins lacked or that matter most: calldata and the
// decoded text clef shows for them (shared by the 4byte adapter and end-to-end tests).

/** The address encoded in the approve call. */
export const COMMON_CALL_TO = '0x8A8eAFb1cf62BfBeb1741769DAE1a9dd47996192';
const TO = COMMON_CALL_TO;
const word = (hex: string) => hex.padStart(64, '0');
/** Calls geth users send that clef-ts's 345 built-ins lacked or that matter most (selector, calldata, decoded text). */
export const COMMON_CALLS: { name: string; data: string; shown: string }[] = [
  { name: 'mint()', data: '0x1249c58b', shown: '"mint()"' },
  {
    name: 'approve',
    data: '0x095ea7b3' + word(TO.slice(2).toLowerCase()) + word('ff'),
    shown: `"approve(address: ${TO},uint256: 255)"`,
  },
  // multicall(bytes[]) with one empty call: offset 0x20, length 1, offset 0x20, length 0
  { name: 'multicall(bytes[])', data: '0xac9650d8' + word('20') + word('1') + word('20') + word('0'), shown: '"multicall(bytes[]: [[]])"' },
  // multicall(uint256 deadline, bytes[]) (Uniswap SwapRouter02) with no calls
  { name: 'multicall(uint256,bytes[])', data: '0x5ae401dc' + word('64') + word('40') + word('0'), shown: '"multicall(uint256: 100,bytes[]: [])"' },
];

