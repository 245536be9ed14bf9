// The Trezor's PIN and passphrase questions, asked through the UI's ui_onInputRequired as clef asked them.
import type { Approver, UserInputRequest } from '../../../core/ports.ts';
import type { TrezorUi } from './driver.ts';

/** clef's PIN request (signer/core/api.go openTrezor), word for word. */
export const TREZOR_PIN_REQUEST: UserInputRequest = {
  title: 'Trezor unlock',
  prompt:
    'Pin required to open Trezor wallet\n' +
    'Look at the device for number positions\n\n' +
    '7 | 8 | 9\n' +
    '--+---+--\n' +
    '4 | 5 | 6\n' +
    '--+---+--\n' +
    '1 | 2 | 3\n\n',
  isPassword: true,
};

/** The passphrase request (clef never asked for one: it failed with "trezor: passphrase needed"). */
const TREZOR_PASSPHRASE_REQUEST: UserInputRequest = {
  title: 'Trezor unlock',
  prompt: 'Passphrase required to open Trezor wallet\nAn empty passphrase opens the standard wallet\n\n',
  isPassword: true,
};

/** A TrezorUi that asks the signer's UI (stdio or console) through onInputRequired. */
export function trezorUiFor(ui: Pick<Approver, 'onInputRequired'>): TrezorUi {
  return {
    pin: async () => (await ui.onInputRequired({ ...TREZOR_PIN_REQUEST })).text,
    passphrase: async () => (await ui.onInputRequired({ ...TREZOR_PASSPHRASE_REQUEST })).text,
  };
}
