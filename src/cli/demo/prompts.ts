/**
 * What people ask for: a subject and a style, the way prompts are written. In the
 * holiday season some subjects are seasonal. Each work session picks one idea; the
 * workflow-efficiency report groups the tries of one prompt.
 */
import type { Dice } from './dice.ts';

const SUBJECTS = [
  'a red fox in fresh snow',
  'a ceramic mug on an oak table',
  'city skyline at dusk',
  'portrait of an astronaut',
  'isometric cottage with a vegetable garden',
  'bowl of ramen seen from above',
  'vintage bicycle against a brick wall',
  'lighthouse in a storm',
  'sneaker floating over a pastel background',
  'mountain lake at sunrise',
  'hand-drawn map of an island',
  'robot barista pouring latte art',
  'a cat reading the morning paper',
  'glass perfume bottle with water drops',
  'reading nook with rain on the window',
  'autumn forest path',
  'neon-lit noodle bar',
  'paper-cut whale in a deep blue sea',
  'desk setup with plants and a laptop',
  'sourdough loaf on a linen cloth',
  'electric scooter on a city street',
  'greenhouse full of ferns',
];

const HOLIDAY_SUBJECTS = [
  'winter market with lanterns',
  'gift boxes under a decorated tree',
  'snowy village at night',
  'holiday card with a robin on a branch',
  'gingerbread house on a marble counter',
];

const STYLES = [
  'watercolour',
  'studio lighting, 85mm',
  'long exposure',
  'isometric 3D render',
  'film photo, Portra 400',
  'flat vector illustration',
  'oil painting',
  'soft morning light',
  'cinematic, wide angle',
  'minimal, pastel colours',
];

export function promptFor(dice: Dice, holiday: boolean): string {
  const subject = holiday && dice.chance(0.6) ? dice.pick(HOLIDAY_SUBJECTS) : dice.pick(SUBJECTS);
  return `${subject}, ${dice.pick(STYLES)}`;
}
