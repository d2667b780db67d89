// The district drill-down page: /districts/{code}. Everything is in drill-place.js.
import { startPlacePage } from './drill-place.js';

startPlacePage('district');
