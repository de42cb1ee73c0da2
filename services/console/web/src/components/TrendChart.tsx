import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/context.tsx';

// Only what this chart uses goes into the bundle.
echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface TrendData {
  readonly dates: readonly string[];
  readonly reported: readonly (number | null)[];
  readonly closureRate: readonly (number | null)[];
}

/** Reported per day (bars, left axis) and the closure rate of each day's cases (line, right axis, %). */
export function TrendChart({ data }: { data: TrendData }) {
  const { t } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);

  useEffect(() => {
    const el = element.current!;
    const instance = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(el);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        animation: false,
        tooltip: { trigger: 'axis' },
        legend: { data: [t('trend.reported'), t('trend.closureRate')], top: 0 },
        grid: { left: 40, right: 48, top: 32, bottom: 28 },
        xAxis: { type: 'category', data: data.dates.map((d) => d.slice(5)) },
        yAxis: [
          { type: 'value', minInterval: 1, name: '' },
          { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        ],
        series: [
          { name: t('trend.reported'), type: 'bar', data: [...data.reported], itemStyle: { color: '#5470c6' } },
          {
            name: t('trend.closureRate'),
            type: 'line',
            yAxisIndex: 1,
            connectNulls: false,
            data: data.closureRate.map((v) => (v === null ? null : Math.round(v * 1000) / 10)),
            itemStyle: { color: '#c23531' },
          },
        ],
      },
      { notMerge: true },
    );
  }, [data, t]);

  return <div ref={element} className="chart" data-testid="trend-chart" />;
}
