// Chinese beside the English the pipeline writes, for what people read on the pages: plate
// reasons, why a survey detection was dropped, and the survey detector statement. The English
// stays (it is what the logs and the API say); the Chinese comes first.

const PLATE_REASONS = {
  'crop too small': '车牌区域太小',
  'no text found': '未找到文字',
  'text is not a plate': '文字不像车牌',
  'low confidence': '识别置信度低',
  'no plate reader': '未配置车牌识别',
  'read failed': '识别出错',
};

/** "沪A12345", or "无法识别：识别置信度低 unreadable: low confidence". */
export function plateText(plate) {
  if (!plate) return '—';
  const m = /^unreadable:?\s*(.*)$/.exec(plate);
  if (!m) return plate;
  const reason = m[1].trim();
  const zh = PLATE_REASONS[reason.split(' (')[0]] ?? '';
  return `无法识别${zh ? `：${zh}` : ''} · unreadable${reason ? `: ${reason}` : ''}`;
}

export function isReadPlate(plate) {
  return !!plate && !plate.startsWith('unreadable');
}

/** Why the survey worker dropped a detection, in Chinese then English. */
export function droppedText(reason) {
  if (!reason) return '—';
  let m = /^label "(.+)" is not on the allow-list for this source$/.exec(reason);
  if (m) return `标签 “${m[1]}” 不在此来源的允许名单中 · ${reason}`;
  m = /^score ([\d.]+) is under the ([\d.]+) threshold for "(.+)"$/.exec(reason);
  if (m) return `分数 ${m[1]} 低于 “${m[3]}” 的阈值 ${m[2]} · ${reason}`;
  return reason;
}

/** A Chinese summary to put above the English detector statement of a survey. */
export function detectorSummary(statement) {
  if (!statement) return '—';
  if (/no detector is enabled/.test(statement)) return '清单中没有启用检测器：未检测任何目标。';
  const allowed = /(?:may raise cases from (?:a survey|the air)): ([^;.]*(?:\.\d+[^;.]*)*)/.exec(statement)?.[1] ?? '';
  if (/NOT an aerial model/.test(statement)) {
    return `检测器不是航拍模型（在地面照片上训练），从空中只能找到少数车辆，并会报出无意义的标签。只有这些标签可以从航拍立案：${allowed || '无'}；其他检测只列出、不立案。航拍案件少不代表违规少：请在模型清单中安装航拍模型并写入 SURVEY_AERIAL_MODELS。`;
  }
  return `检测器已声明为航拍模型（SURVEY_AERIAL_MODELS）。可从航拍立案的标签：${allowed || '无'}。`;
}
