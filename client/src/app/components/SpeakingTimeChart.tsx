import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDuration } from '../format';
import { personName } from '../i18n';
import { useServerNow, useSession } from '../session/context';
import { ListTools } from './ListTools';
import { matchesQuery } from './searchText';
import { VirtualList } from './VirtualList';

type ChartSort = 'most' | 'least' | 'name';
type Row = { displayName: string; total: number };
/** Most first shows who dominates; least first, who has not been heard yet. */
const CHART_SORTS: Record<ChartSort, (a: Row, b: Row) => number> = {
  most: (a, b) => b.total - a.total,
  least: (a, b) => a.total - b.total,
  name: (a, b) => a.displayName.localeCompare(b.displayName),
};

/**
 * Speaking time per citizen, for the facilitator: a bar each, with the figures in text
 * beside it (the bars are decoration; the text is what assistive technology reads).
 * A running turn counts from the moment it was given, as the server accounts it.
 */
export function SpeakingTimeChart() {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<ChartSort>('most');
  const { snapshot } = useSession();
  const now = useServerNow();
  const view = snapshot.view!;
  const floors = new Map(view.rooms.flatMap((r) => (r.floor ? [[r.floor.participantId, r.floor.startedAt] as const] : [])));
  const rows = (view.participants ?? [])
    .filter((p) => p.role === 'citizen')
    .map((p) => {
      const started = floors.get(p.participantId);
      const running = started !== undefined ? Math.max(0, now - started) : 0;
      return { ...p, total: p.speakingMs + running, speaking: started !== undefined };
    });
  const max = Math.max(1, ...rows.map((r) => r.total));
  const shown = rows.filter((r) => matchesQuery(r.displayName, query)).sort(CHART_SORTS[sort]);
  return (
    <section className="panel" aria-labelledby="chart-heading">
      <h2 id="chart-heading">{t('facilitator.chartHeading')}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('facilitator.noCitizens')}</p>
      ) : (
        <>
          <ListTools
            query={query}
            onQuery={setQuery}
            searchLabel={t('facilitator.chartSearch')}
            sort={sort}
            onSort={setSort}
            sorts={(['most', 'least', 'name'] as const).map((value) => ({ value, label: t(`facilitator.chartSort.${value}`) }))}
            shown={shown.length}
            total={rows.length}
          />
          <VirtualList
            className="chart"
            label={t('facilitator.chartHeading')}
            testId="speaking-chart"
            items={shown}
            keyOf={(r) => r.participantId}
            estimate={52}
            renderItem={(r) => (
              <div className="chart-row">
                <span className="chart-label">
                  {t('facilitator.chartRow', { name: personName(r.displayName), time: formatDuration(r.total), count: r.turns })}
                  {r.speaking && <span className="tag live"> {t('facilitator.speakingNow')}</span>}
                  {!r.online && <span className="tag"> {t('facilitator.offline')}</span>}
                </span>
                <span className="bar" aria-hidden="true">
                  <span className={r.speaking ? 'bar-fill live' : 'bar-fill'} style={{ width: `${(r.total / max) * 100}%` }} />
                </span>
              </div>
            )}
          />
        </>
      )}
    </section>
  );
}
