import type { AgreementLevel } from '../../../../../shared/src/index.js';
import type { FontName } from './fonts.js';
import type { Answer } from './outcomeParts.js';

export const MARGIN = 56;

export const COLOR = {
  ink: '#1b1b1b',
  heading: '#17324d',
  muted: '#5f6670',
  faint: '#9aa0a6',
  rule: '#c9ced4',
  zebra: '#f3f5f7',
  bar: '#4a78a8',
  agreed: '#1a9850',
  contested: '#e08a2c',
  neutral: '#9fb3c8',
  warn: '#b3261e',
};

export interface Style {
  font: FontName;
  size: number;
  color: string;
  lineGap?: number;
}

export const STYLE = {
  title: { font: 'bold', size: 22, color: COLOR.heading, lineGap: 2 },
  section: { font: 'bold', size: 15, color: COLOR.heading },
  heading: { font: 'bold', size: 11.5, color: COLOR.ink, lineGap: 1 },
  body: { font: 'sans', size: 9.5, color: COLOR.ink, lineGap: 1.5 },
  strong: { font: 'bold', size: 9.5, color: COLOR.ink, lineGap: 1.5 },
  small: { font: 'sans', size: 8, color: COLOR.muted, lineGap: 1 },
  smallBold: { font: 'bold', size: 8, color: COLOR.muted, lineGap: 1 },
  mono: { font: 'mono', size: 7, color: COLOR.muted, lineGap: 1 },
  cell: { font: 'sans', size: 8.5, color: COLOR.ink, lineGap: 1 },
  cellHead: { font: 'bold', size: 8, color: COLOR.muted, lineGap: 1 },
} satisfies Record<string, Style>;

export const LEVELS: Record<AgreementLevel, { label: string; fill: string; ink: string }> = {
  'full-support': { label: 'Full support', fill: '#1a9850', ink: '#ffffff' },
  'support-with-reservations': { label: 'Support with reservations', fill: '#91cf60', ink: '#1b1b1b' },
  'can-live-with': { label: 'Can live with it', fill: '#d9ef8b', ink: '#1b1b1b' },
  'more-discussion-needed': { label: 'More discussion needed', fill: '#fee08b', ink: '#1b1b1b' },
  'serious-concerns': { label: 'Serious concerns', fill: '#fc8d59', ink: '#1b1b1b' },
  block: { label: 'Block', fill: '#d73027', ink: '#ffffff' },
};

export const STATUS: Record<Answer['status'], { label: string; color: string }> = {
  accepted: { label: 'Accepted', color: '#1a7a3c' },
  'partially-accepted': { label: 'Partially accepted', color: '#8a6d00' },
  rejected: { label: 'Rejected', color: '#b3261e' },
  'under-consideration': { label: 'Under consideration', color: '#3b5b8c' },
};
