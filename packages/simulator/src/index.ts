export * from './random.ts';
export * from './profile.ts';
export * from './history.ts';
export * from './traffic.ts';
export * from './driver.ts';
export * from './areas.ts';
export * from './boundaries.ts';
export * from './luan.ts';
