// The service-domain drill-down page: /domains/{code}. Everything is in drill-place.js.
import { startPlacePage } from './drill-place.js';

startPlacePage('domain');
