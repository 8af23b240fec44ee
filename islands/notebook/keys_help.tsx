/** The `?` panel: the keyboard shortcuts of both modes, from the same table the handler uses. */
import { useEffect, useRef } from "preact/hooks";
import { KEY_HELP } from "./command_keys.ts";

/** Props of KeysHelp. */
export interface KeysHelpProps {
  onClose(): void;
}

/** A modal list of keys; Esc, `?` or the close button dismiss it. */
export function KeysHelp({ onClose }: KeysHelpProps) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div class="modal-backdrop" onClick={onClose}>
      <div
        class="modal keys-help"
        role="dialog"
        aria-modal="true"
        aria-labelledby="keys-help-title"
        onClick={(e) => e.stopPropagation()}
      >
        <header class="panel-head">
          <h2 id="keys-help-title">Keyboard shortcuts</h2>
          <button type="button" ref={close} onClick={onClose} aria-label="Close shortcuts">
            ✕
          </button>
        </header>
        {KEY_HELP.map((group) => (
          <section key={group.mode}>
            <h3>{group.mode}</h3>
            <table class="keys-table">
              <tbody>
                {group.rows.map((r) => (
                  <tr key={`${group.mode}-${r.keys.join("+")}`}>
                    <td class="keys">
                      {r.keys.map((k, i) => (
                        <span key={i}>
                          {i > 0 && <span class="muted">{r.keys[0] === "d" ? " " : " + "}</span>}
                          <kbd>{k}</kbd>
                        </span>
                      ))}
                    </td>
                    <td>{r.does}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  );
}
