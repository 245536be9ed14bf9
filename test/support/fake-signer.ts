// An ExternalApi that follows the signer's approval flows (external-api.md §6, §7.6) for a wallet holding no
// account: requests are built with the core's own functions, approvals end in `unknown account`.
import { keccak256, toHex, type Address } from '../../core/bytes.ts';
import { RequestDeniedError, SignerError, UnknownAccountError } from '../../core/errors.ts';
import { formatTypedData, hashTypedData, parseTypedData, type TypedData } from '../../core/eip712.ts';
import type { Json, MixedcaseAddress } from '../../core/gojson.ts';
import type { Approver, Meta, SignTransactionResult } from '../../core/ports.ts';
import { prepareSignData, type PreparedSignData } from '../../core/signdata.ts';
import type { ExternalApi } from '../../core/signer.ts';
import { encodeSendTxArgs, type SendTxArgs } from '../../core/tx.ts';

/** The signer's approval flows (external-api.md §6, §7.6) for a wallet that holds no account. */
export class FakeSigner implements ExternalApi {
  constructor(private readonly ui: Approver) {}
  async version() {
    return '6.1.0';
  }
  async list(meta: Meta): Promise<Address[]> {
    const res = await this.ui.approveListing({ accounts: [], meta });
    if (!res.accounts) throw new RequestDeniedError();
    return res.accounts.map((a) => a.address);
  }
  async newAccount(meta: Meta): Promise<Address> {
    if (!(await this.ui.approveNewAccount({ meta })).approved) throw new RequestDeniedError();
    return '0x00000000000000000000000000000000000000aa';
  }
  async signTransaction(meta: Meta, args: SendTxArgs): Promise<SignTransactionResult> {
    const res = await this.ui.approveTx({ transaction: encodeSendTxArgs(args), call_info: null, meta });
    if (!res.approved) throw new RequestDeniedError();
    throw new UnknownAccountError();
  }
  async signData(meta: Meta, contentType: string, addr: MixedcaseAddress, data: Json): Promise<Uint8Array> {
    const typed = {
      prepare: (json: Json) => {
        const td = parseTypedData(json);
        return { rawData: hashTypedData(td).rawData, messages: formatTypedData(td) };
      },
    };
    return this.signPrepared(meta, addr, prepareSignData(contentType, data, typed));
  }
  async signTypedData(meta: Meta, addr: MixedcaseAddress, td: TypedData): Promise<Uint8Array> {
    const rawData = hashTypedData(td).rawData;
    return this.signPrepared(meta, addr, { contentType: 'data/typed', rawData, hash: keccak256(rawData), messages: formatTypedData(td), clique: false });
  }
  async signGnosisSafeTx(): Promise<Json> {
    throw new SignerError('not used');
  }
  async ecRecover(): Promise<Address> {
    throw new SignerError('not used');
  }
  private async signPrepared(meta: Meta, addr: MixedcaseAddress, p: PreparedSignData): Promise<Uint8Array> {
    try {
      const res = await this.ui.approveSignData({
        content_type: p.contentType,
        address: addr.toJSON(),
        raw_data: Buffer.from(p.rawData).toString('base64'),
        messages: p.messages,
        call_info: null,
        hash: toHex(p.hash),
        meta,
      });
      if (!res.approved) throw new RequestDeniedError();
      throw new UnknownAccountError();
    } catch (e) {
      this.ui.showError((e as Error).message);
      throw e;
    }
  }
}
