// The label dialog of the box editors (review queue and survey images): the offered labels by number
// key, or any typed label. The dialog is built here on first use, so every page asks the same way.
import { el } from './common.js';

function dialog() {
  let d = document.getElementById('label-dialog');
  if (d) return d;
  d = el(
    'dialog',
    { id: 'label-dialog' },
    el('h2', {}, '框的标签 ', el('span', { class: 'en' }, 'Label for this box')),
    el('div', { id: 'label-choices', class: 'choices grid' }),
    el('input', { id: 'label-input', type: 'text', list: 'label-options', placeholder: '或输入标签 or type a label (garbage, stall, …)', maxlength: '48', autocomplete: 'off' }),
    el('datalist', { id: 'label-options' }),
    el('p', { class: 'hint' }, '数字键选择，或输入后 ', el('kbd', {}, 'Enter'), '；', el('kbd', {}, 'Esc'), ' 取消 · Number keys pick, or type and press Enter; Esc cancels'),
  );
  document.body.append(d);
  return d;
}

/**
 * Asks for a box's label; resolves null on Esc.
 * @param {{ violation: string[], model: string[] }} labels offered: the first nine violation labels get number keys
 * @param {string} [current] the label being changed, pre-filled
 */
export function askLabel(labels, current) {
  const box = dialog();
  const input = document.getElementById('label-input');
  const offered = [...labels.violation, ...labels.model];
  const quick = labels.violation.slice(0, 9);
  document.getElementById('label-options').replaceChildren(...offered.map((l) => el('option', { value: l })));
  return new Promise((resolve) => {
    let done = false;
    const finish = (label) => {
      if (done) return;
      done = true;
      input.removeEventListener('keydown', onKeydown);
      box.removeEventListener('close', onClose);
      if (box.open) box.close();
      resolve(label);
    };
    const pick = (label) => finish(label.trim() || null);
    document.getElementById('label-choices').replaceChildren(
      ...quick.map((l, i) => el('button', { type: 'button', class: 'choice', dataset: { label: l }, onclick: () => pick(l) }, el('kbd', {}, i + 1), ` ${l}`)),
    );
    const onKeydown = (e) => {
      const n = Number(e.key);
      if (input.value === '' && n >= 1 && n <= quick.length) {
        e.preventDefault();
        e.stopPropagation();
        pick(quick[n - 1]);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        e.stopPropagation();
        if (input.value.trim()) pick(input.value);
      }
    };
    const onClose = () => finish(null);
    input.value = current ?? '';
    input.addEventListener('keydown', onKeydown);
    box.addEventListener('close', onClose);
    box.showModal();
    input.focus();
    input.select();
  });
}
