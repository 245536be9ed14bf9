// The 4byte selector database clef consults to decode calldata (external-api.md §6.5): the full embedded
// database (a packed SelectorTable generated at install/build time, decoded lazily on the first lookup), an
// embedded set of well-known signatures (selectors computed here with keccak256, never hard-coded; used alone
// when no packed table is given, and merged into the packed one by the generator), optionally a larger 4byte
// JSON file, and the user's writable custom map persisted through the FourByteCustomStore port.
import { keccak256, toHexRaw, utf8 } from './bytes.ts';
import type { FourByteCustomStore } from './ports.ts';

/** Well-known canonical signatures shipped with clef-ts (ERC-20/721/1155/4626, WETH, Safe, DEX routers …). */
const WELL_KNOWN: readonly string[] = `
safeSend(address)
transfer(address,uint256)
transferFrom(address,address,uint256)
approve(address,uint256)
allowance(address,address)
balanceOf(address)
totalSupply()
name()
symbol()
decimals()
increaseAllowance(address,uint256)
decreaseAllowance(address,uint256)
increaseApproval(address,uint256)
decreaseApproval(address,uint256)
permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)
nonces(address)
DOMAIN_SEPARATOR()
mint(address,uint256)
mint(uint256)
mint(address)
burn(uint256)
burn(address,uint256)
burnFrom(address,uint256)
transferAndCall(address,uint256,bytes)
approveAndCall(address,uint256,bytes)
transferOwnership(address)
renounceOwnership()
acceptOwnership()
owner()
pendingOwner()
pause()
unpause()
paused()
upgradeTo(address)
upgradeToAndCall(address,bytes)
changeAdmin(address)
implementation()
admin()
initialize()
initialize(address)
multicall(bytes[])
multicall(uint256,bytes[])
grantRole(bytes32,address)
revokeRole(bytes32,address)
renounceRole(bytes32,address)
hasRole(bytes32,address)
getRoleAdmin(bytes32)
supportsInterface(bytes4)
ownerOf(uint256)
safeTransferFrom(address,address,uint256)
safeTransferFrom(address,address,uint256,bytes)
setApprovalForAll(address,bool)
isApprovedForAll(address,address)
getApproved(uint256)
tokenURI(uint256)
tokenOfOwnerByIndex(address,uint256)
tokenByIndex(uint256)
safeMint(address,uint256)
safeMint(address)
safeMint(address,string)
setBaseURI(string)
baseURI()
contractURI()
royaltyInfo(uint256,uint256)
safeTransferFrom(address,address,uint256,uint256,bytes)
safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)
balanceOfBatch(address[],uint256[])
uri(uint256)
mint(address,uint256,uint256,bytes)
mintBatch(address,uint256[],uint256[],bytes)
burn(address,uint256,uint256)
burnBatch(address,uint256[],uint256[])
deposit()
deposit(uint256)
deposit(uint256,address)
deposit(address,uint256)
withdraw(uint256)
withdraw(uint256,address,address)
withdraw(address,uint256)
withdraw()
withdrawAll()
withdrawTo(address,uint256)
depositTo(address)
redeem(uint256,address,address)
redeem(uint256)
mint(uint256,address)
asset()
totalAssets()
convertToShares(uint256)
convertToAssets(uint256)
maxDeposit(address)
previewDeposit(uint256)
maxMint(address)
previewMint(uint256)
maxWithdraw(address)
previewWithdraw(uint256)
maxRedeem(address)
previewRedeem(uint256)
claim()
claim(address)
claim(uint256)
claim(uint256,address,uint256,bytes32[])
claimRewards()
claimRewards(address)
getReward()
stake(uint256)
unstake(uint256)
exit()
earned(address)
delegate(address)
delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)
getVotes(address)
getPastVotes(address,uint256)
castVote(uint256,uint8)
castVoteWithReason(uint256,uint8,string)
propose(address[],uint256[],bytes[],string)
queue(uint256)
execute(uint256)
execute(address,uint256,bytes)
execute(address[],uint256[],bytes[])
execute(bytes,bytes[],uint256)
execute(bytes,bytes[])
cancel(uint256)
execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)
approveHash(bytes32)
addOwnerWithThreshold(address,uint256)
removeOwner(address,address,uint256)
swapOwner(address,address,address)
changeThreshold(uint256)
enableModule(address)
disableModule(address,address)
setGuard(address)
setFallbackHandler(address)
setup(address[],uint256,address,bytes,address,address,uint256,address)
execTransactionFromModule(address,uint256,bytes,uint8)
execTransactionFromModuleReturnData(address,uint256,bytes,uint8)
getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)
getThreshold()
getOwners()
isOwner(address)
nonce()
multiSend(bytes)
createProxyWithNonce(address,bytes,uint256)
createProxy(address,bytes)
signMessage(bytes)
swapExactTokensForTokens(uint256,uint256,address[],address,uint256)
swapTokensForExactTokens(uint256,uint256,address[],address,uint256)
swapExactETHForTokens(uint256,address[],address,uint256)
swapTokensForExactETH(uint256,uint256,address[],address,uint256)
swapExactTokensForETH(uint256,uint256,address[],address,uint256)
swapETHForExactTokens(uint256,address[],address,uint256)
swapExactTokensForTokensSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)
swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)
swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)
addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)
addLiquidityETH(address,uint256,uint256,uint256,address,uint256)
removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)
removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)
removeLiquidityWithPermit(address,address,uint256,uint256,uint256,address,uint256,bool,uint8,bytes32,bytes32)
removeLiquidityETHWithPermit(address,uint256,uint256,uint256,address,uint256,bool,uint8,bytes32,bytes32)
removeLiquidityETHSupportingFeeOnTransferTokens(address,uint256,uint256,uint256,address,uint256)
removeLiquidityETHWithPermitSupportingFeeOnTransferTokens(address,uint256,uint256,uint256,address,uint256,bool,uint8,bytes32,bytes32)
getAmountsOut(uint256,address[])
getAmountsIn(uint256,address[])
quote(uint256,uint256,uint256)
factory()
WETH()
createPair(address,address)
getPair(address,address)
allPairs(uint256)
allPairsLength()
getReserves()
token0()
token1()
swap(uint256,uint256,address,bytes)
skim(address)
sync()
exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))
exactInput((bytes,address,uint256,uint256,uint256))
exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))
exactOutput((bytes,address,uint256,uint256,uint256))
exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))
exactInput((bytes,address,uint256,uint256))
exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))
exactOutput((bytes,address,uint256,uint256))
unwrapWETH9(uint256,address)
unwrapWETH9(uint256)
refundETH()
sweepToken(address,uint256,address)
selfPermit(address,uint256,uint256,uint8,bytes32,bytes32)
multicall(uint256,bytes[])
multicall(bytes32,bytes[])
mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))
increaseLiquidity((uint256,uint256,uint256,uint256,uint256,uint256))
decreaseLiquidity((uint256,uint128,uint256,uint256,uint256))
collect((uint256,address,uint128,uint128))
positions(uint256)
createAndInitializePoolIfNecessary(address,address,uint24,uint160)
createPool(address,address,uint24)
getPool(address,address,uint24)
slot0()
observe(uint32[])
execute(bytes,bytes[],uint256)
permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)
permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)
permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)
approve(address,address,uint160,uint48)
lockdown((address,address)[])
invalidateNonces(address,address,uint48)
swap(address,(address,address,address,address,uint256,uint256,uint256),bytes,bytes)
swap(address,(address,address,address,address,uint256,uint256,uint256,bytes),bytes,bytes)
unoswap(address,uint256,uint256,uint256[])
unoswapTo(address,address,uint256,uint256,uint256[])
uniswapV3Swap(uint256,uint256,uint256[])
uniswapV3SwapTo(address,uint256,uint256,uint256[])
clipperSwap(address,address,address,uint256,uint256,uint256,bytes32,bytes32)
fillOrder((uint256,address,address,address,address,address,uint256,uint256,uint256,bytes),bytes,bytes,uint256,uint256,uint256)
fillOrderRFQ((uint256,address,address,address,address,uint256,uint256),bytes,uint256)
cancelOrder((uint256,address,address,address,address,address,uint256,uint256,uint256,bytes))
sellToUniswap(address[],uint256,uint256,bool)
transformERC20(address,address,uint256,uint256,(uint32,bytes)[])
sellToPancakeSwap(address[],uint256,uint256,uint8)
aggregate((address,bytes)[])
tryAggregate(bool,(address,bytes)[])
tryBlockAndAggregate(bool,(address,bytes)[])
blockAndAggregate((address,bytes)[])
aggregate3((address,bool,bytes)[])
aggregate3Value((address,bool,uint256,bytes)[])
getEthBalance(address)
getBlockHash(uint256)
getCurrentBlockTimestamp()
getBlockNumber()
exchange(int128,int128,uint256,uint256)
exchange_underlying(int128,int128,uint256,uint256)
exchange(uint256,uint256,uint256,uint256)
exchange(uint256,uint256,uint256,uint256,bool)
add_liquidity(uint256[2],uint256)
add_liquidity(uint256[3],uint256)
add_liquidity(uint256[4],uint256)
remove_liquidity(uint256,uint256[2])
remove_liquidity(uint256,uint256[3])
remove_liquidity_one_coin(uint256,int128,uint256)
get_dy(int128,int128,uint256)
supply(address,uint256,address,uint16)
borrow(address,uint256,uint256,uint16,address)
repay(address,uint256,uint256,address)
withdraw(address,uint256,address)
deposit(address,uint256,address,uint16)
setUserUseReserveAsCollateral(address,bool)
liquidationCall(address,address,address,uint256,bool)
flashLoan(address,address[],uint256[],uint256[],address,bytes,uint16)
flashLoanSimple(address,address,uint256,bytes,uint16)
mint(uint256)
redeemUnderlying(uint256)
borrow(uint256)
repayBorrow(uint256)
repayBorrow()
enterMarkets(address[])
exitMarket(address)
claimComp(address)
submit(address)
requestWithdrawals(uint256[],address)
claimWithdrawals(uint256[],uint256[])
wrap(uint256)
unwrap(uint256)
depositETH(address,address,uint16)
withdrawETH(address,uint256,address)
register(string,address,uint256,bytes32)
register(string,address,uint256,bytes32,address,bytes[],bool,uint16)
commit(bytes32)
renew(string,uint256)
setAddr(bytes32,address)
setText(bytes32,string,string)
setName(string)
setResolver(bytes32,address)
setOwner(bytes32,address)
setSubnodeOwner(bytes32,bytes32,address)
setSubnodeRecord(bytes32,bytes32,address,address,uint64)
setContenthash(bytes32,bytes)
depositETH()
bridgeETH(uint32,bytes)
bridgeETHTo(address,uint32,bytes)
depositETHTo(address,uint32,bytes)
depositERC20(address,address,uint256,uint32,bytes)
depositERC20To(address,address,address,uint256,uint32,bytes)
depositTransaction(address,uint256,uint64,bool,bytes)
sendMessage(address,bytes,uint32)
outboundTransfer(address,address,uint256,bytes)
outboundTransfer(address,address,uint256,uint256,uint256,bytes)
createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)
depositEth()
sendToL2(uint256,address,uint256,uint256,uint256,address,uint256)
swapAndStartBridgeTokensViaStargate((bytes32,string,string,address,address,address,uint256,uint256,bool,bool),(address,address,address,address,uint256,bytes,bool)[],(uint256,uint256,uint256,bytes,address,bytes,bytes))
fulfillBasicOrder((address,uint256,uint256,address,address,address,uint256,uint256,uint8,uint256,uint256,bytes32,uint256,bytes32,bytes32,uint256,(uint256,address)[],bytes))
fulfillOrder(((address,address,(uint8,address,uint256,uint256,uint256)[],(uint8,address,uint256,uint256,uint256,address)[],uint8,uint256,uint256,bytes32,uint256,bytes32,uint256),bytes),bytes32)
cancel((address,address,(uint8,address,uint256,uint256,uint256)[],(uint8,address,uint256,uint256,uint256,address)[],uint8,uint256,uint256,bytes32,uint256,bytes32,uint256)[])
incrementCounter()
atomicMatch_(address[14],uint256[18],uint8[8],bytes,bytes,bytes,bytes,bytes,bytes,uint8[2],bytes32[5])
setApprovalForAll(address,bool)
forward(bytes)
proxy(address,bytes)
call(address,uint256,bytes)
delegatecall(address,bytes)
batch(bytes[],bool)
sweep(address)
rescueTokens(address,address,uint256)
recoverERC20(address,uint256)
setFeeTo(address)
setFeeToSetter(address)
setFee(uint256)
setTreasury(address)
setOperator(address)
setMinter(address)
addMinter(address)
removeMinter(address)
blacklist(address)
unBlacklist(address)
setPaused(bool)
setPrice(uint256)
setMerkleRoot(bytes32)
publicMint(uint256)
whitelistMint(uint256,bytes32[])
airdrop(address[],uint256[])
disperseEther(address[],uint256[])
disperseToken(address,address[],uint256[])
disperseTokenSimple(address,address[],uint256[])
batchTransfer(address[],uint256[])
multisend(address,address[],uint256[])
attest((bytes32,(address,uint64,bool,bytes32,bytes,uint256)))
depositFor(address,uint256)
withdrawFor(address,uint256)
increaseAmount(uint256)
increaseUnlockTime(uint256)
create_lock(uint256,uint256)
increase_amount(uint256)
increase_unlock_time(uint256)
withdraw(uint256,bool)
getReward(address,address[])
vote(uint256,address[],uint256[])
poke(uint256)
checkpoint()
harvest()
compound()
rebalance()
update()
kill()
destroy()
selfdestruct(address)
`
  .split('\n')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

/** The 4-byte selector (8 lowercase hex digits, no `0x`) of a canonical signature. */
export function selectorOf(signature: string): string {
  return toHexRaw(keccak256(utf8(signature)).subarray(0, 4));
}

/** Result of reading a 4byte JSON file: the verified entries and how many were dropped. */
export interface FourByteParse {
  entries: Map<string, string>;
  /** Entries whose id is not the keccak prefix of their signature (or are malformed). */
  dropped: number;
}

/** Parses a 4byte JSON map (`{"a9059cbb":"transfer(address,uint256)"}`), keeping only verified entries. */
export function parseFourByteJson(text: string): FourByteParse {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('4byte database must be a JSON object');
  const entries = new Map<string, string>();
  let dropped = 0;
  for (const [id, sig] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof sig === 'string' && /^[0-9a-f]{8}$/.test(id) && selectorOf(sig) === id) entries.set(id, sig);
    else dropped++;
  }
  return { entries, dropped };
}

let wellKnownIds: Map<string, string> | null = null;

/** A fresh copy of the embedded set (hashed once, on first use). */
function builtin(): Map<string, string> {
  if (!wellKnownIds) {
    wellKnownIds = new Map();
    for (const sig of WELL_KNOWN) {
      const id = selectorOf(sig);
      if (!wellKnownIds.has(id)) wellKnownIds.set(id, sig);
    }
  }
  return new Map(wellKnownIds);
}

/** The well-known signatures shipped in the source (the generator of the packed database merges them in). */
export function wellKnownSignatures(): readonly string[] {
  return WELL_KNOWN;
}

/**
 * The packed selector database, decoded: an open-addressing hash table from the 32-bit selector to its entry
 * (selectors are keccak output, so their low bits are already uniform), the signatures kept as one string with
 * entry offsets. O(1) lookup; about 2 bytes of index per slot plus 8 bytes per entry on top of the text.
 *
 * Packed format: u32 big-endian count N, N big-endian u32 selectors, then N printable-ASCII signatures each
 * terminated by `\n`, entry i's selector belonging to signature i. The generator verified every entry
 * (keccak256(signature)[0:4] == selector); decode checks the structure only.
 */
export class SelectorTable {
  private constructor(
    private readonly keys: Uint32Array,
    private readonly starts: Uint32Array,
    private readonly slots: Int32Array,
    private readonly text: string,
  ) {}

  /** Number of entries. */
  get size(): number {
    return this.keys.length;
  }

  /** Decodes the packed format; throws on a malformed table. */
  static decode(bytes: Uint8Array): SelectorTable {
    if (bytes.length < 4) throw new Error('4byte table: truncated header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0);
    const textStart = 4 + 4 * n;
    if (bytes.length < textStart) throw new Error('4byte table: truncated selectors');
    const keys = new Uint32Array(n);
    for (let i = 0; i < n; i++) keys[i] = view.getUint32(4 + 4 * i);
    const text = new TextDecoder().decode(bytes.subarray(textStart));
    const starts = new Uint32Array(n + 1);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      starts[i] = pos;
      const nl = text.indexOf('\n', pos);
      if (nl < 0) throw new Error(`4byte table: ${n} entries announced, ${i} present`);
      pos = nl + 1;
    }
    starts[n] = pos;
    if (pos !== text.length) throw new Error('4byte table: trailing data');
    let cap = 1;
    while (cap < n * 2) cap <<= 1;
    const mask = cap - 1;
    const slots = new Int32Array(cap);
    for (let i = 0; i < n; i++) {
      let s = keys[i] & mask;
      for (;;) {
        const at = slots[s];
        if (at === 0) break;
        if (keys[at - 1] === keys[i]) throw new Error(`4byte table: duplicate selector ${keys[i].toString(16).padStart(8, '0')}`);
        s = (s + 1) & mask;
      }
      slots[s] = i + 1;
    }
    return new SelectorTable(keys, starts, slots, text);
  }

  /** Entry i (0 ≤ i < size) as [selector as 8 lowercase hex digits, signature]. */
  at(i: number): [string, string] {
    if (!Number.isInteger(i) || i < 0 || i >= this.keys.length) throw new RangeError(`4byte table: no entry ${i}`);
    return [this.keys[i].toString(16).padStart(8, '0'), this.text.slice(this.starts[i], this.starts[i + 1] - 1)];
  }

  /** The signature of a selector given as 8 lowercase hex digits, or null. */
  get(id: string): string | null {
    if (!/^[0-9a-f]{8}$/.test(id)) return null;
    const key = parseInt(id, 16) >>> 0;
    const mask = this.slots.length - 1;
    for (let s = key & mask; ; s = (s + 1) & mask) {
      const at = this.slots[s];
      if (at === 0) return null;
      if (this.keys[at - 1] === key) return this.text.slice(this.starts[at - 1], this.starts[at] - 1);
    }
  }
}

/** A packed selector table decoded on first use: its entry count is known up front (for clef's log line). */
export interface LazySelectorTable {
  readonly count: number;
  load(): SelectorTable;
}

/** Options of a FourByteDb: the writable custom map and where it is persisted. */
export interface FourByteOptions {
  /** The custom map as loaded from `--4bytedb-custom` (clef loads it without verification). */
  custom?: Record<string, string>;
  /** Persists the custom map when a caller-supplied selector is learnt; absent = memory only. */
  store?: FourByteCustomStore;
  /** Receives persistence failures (clef ignores them; the signing request is not affected). */
  onPersistError?: (err: unknown) => void;
}

/**
 * clef's 4byte database: embedded signatures first (the `--4bytedb` file's verified entries, then the packed
 * full database, or the well-known set when none is given), then the custom map.
 */
export class FourByteDb {
  private readonly embedded: Map<string, string>;
  private readonly packed: LazySelectorTable | null;
  private table: SelectorTable | null = null;
  private readonly custom: Map<string, string>;
  private readonly store?: FourByteCustomStore;
  private readonly onPersistError?: (err: unknown) => void;
  private pending: Promise<void> = Promise.resolve();
  /** Entries of a loaded 4byte file that failed verification. */
  readonly dropped: number;

  constructor(embedded: Map<string, string> = builtin(), opts: FourByteOptions = {}, dropped = 0, packed: LazySelectorTable | null = null) {
    this.embedded = embedded;
    this.packed = packed;
    this.custom = new Map(Object.entries(opts.custom ?? {}));
    this.store = opts.store;
    this.onPersistError = opts.onPersistError;
    this.dropped = dropped;
  }

  /**
   * The packed full database (which includes the well-known set), optionally preceded by the verified entries
   * of a `--4bytedb` JSON file. The table is decoded on the first lookup.
   */
  static withPacked(packed: LazySelectorTable, opts: FourByteOptions = {}, extraJson: string | null = null): FourByteDb {
    if (extraJson === null) return new FourByteDb(new Map(), opts, 0, packed);
    const { entries, dropped } = parseFourByteJson(extraJson);
    return new FourByteDb(entries, opts, dropped, packed);
  }

  private packedTable(): SelectorTable | null {
    if (this.packed === null) return null;
    this.table ??= this.packed.load();
    return this.table;
  }

  /** The built-in set only (plus the custom map of `opts`). */
  static builtin(opts: FourByteOptions = {}): FourByteDb {
    return new FourByteDb(builtin(), opts);
  }

  /** The built-in set extended by a larger 4byte JSON file (its verified entries take precedence). */
  static fromJson(text: string, opts: FourByteOptions = {}): FourByteDb {
    const { entries, dropped } = parseFourByteJson(text);
    const merged = builtin();
    for (const [id, sig] of entries) merged.set(id, sig);
    return new FourByteDb(merged, opts, dropped);
  }

  /** Counts for clef's `Loaded 4byte database embeds=N locals=M` log line. */
  stats(): { embeds: number; locals: number } {
    if (this.packed === null) return { embeds: this.embedded.size, locals: this.custom.size };
    if (this.embedded.size === 0) return { embeds: this.packed.count, locals: this.custom.size };
    // With a --4bytedb file the distinct count needs the table (the user asked for a big database anyway).
    let extra = 0;
    for (const id of this.embedded.keys()) if (this.packedTable()!.get(id) === null) extra++;
    return { embeds: this.packed.count + extra, locals: this.custom.size };
  }

  /** The signature for a selector (8 hex digits, no `0x`, any case): embedded first, then custom. */
  lookup(selector: string): string | null {
    const id = selector.toLowerCase();
    return this.embedded.get(id) ?? this.packedTable()?.get(id) ?? this.custom.get(id) ?? null;
  }

  /**
   * Learns a caller-supplied signature for `selector` if neither map knows the id, and rewrites the whole
   * custom map through the store. Returns whether it was added; persistence runs in the background
   * (in order), see `flush`.
   */
  addCustom(selector: string, signature: string): boolean {
    const id = selector.toLowerCase();
    if (this.lookup(id) !== null) return false;
    this.custom.set(id, signature);
    const store = this.store;
    if (store) {
      const snapshot = this.customEntries();
      this.pending = this.pending.then(() => store.save(snapshot)).catch((e) => this.onPersistError?.(e));
    }
    return true;
  }

  /** The custom map as a plain object with sorted keys (Go's json.Marshal of a map sorts them). */
  customEntries(): Record<string, string> {
    return Object.fromEntries([...this.custom].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Resolves when every background save started so far has finished. */
  flush(): Promise<void> {
    return this.pending;
  }
}
