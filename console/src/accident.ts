// The national grading (生产安全事故报告和调查处理条例 art. 3) and the level a
// report must reach, as the server computes them (duban.GradeAccident):
// previewed while figures are typed.
export function gradeAccident(deaths: number, injuries: number, loss: number): string {
  const rank = (d: number, i: number, l: number) => Math.max(
    d >= 30 ? 3 : d >= 10 ? 2 : d >= 3 ? 1 : 0,
    i >= 100 ? 3 : i >= 50 ? 2 : i >= 10 ? 1 : 0,
    l >= 1e8 ? 3 : l >= 5e7 ? 2 : l >= 1e7 ? 1 : 0)
  return ['general', 'larger', 'major', 'especially_major'][rank(deaths || 0, injuries || 0, loss || 0)]
}

// A housing or municipal construction accident reaches the province
// whatever its grade (the server's duban.Accident.requiredLevel).
export function requiredLevel(grade: string, sector = ''): string {
  const l = grade === 'larger' ? 'province' : grade === 'major' || grade === 'especially_major' ? 'nation' : 'city'
  return l === 'city' && sector === 'housing_municipal' ? 'province' : l
}

export const accidentSectors = ['housing_municipal', 'industrial_trade', 'road_traffic', 'water_traffic', 'railway', 'aviation', 'fire',
  'special_equipment', 'agricultural_machinery', 'fishing_vessel', 'other']

// clock is the time left (negative: past) until due, as "1:23:45".
export function clock(due: string, now = Date.now()): { text: string; late: boolean } {
  let s = Math.round((new Date(due).getTime() - now) / 1000)
  const late = s < 0
  s = Math.abs(s)
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60
  return { text: `${late ? '-' : ''}${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`, late }
}
