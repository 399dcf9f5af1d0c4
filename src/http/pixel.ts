/** The 1×1 transparent GIF answered when no JSON reply is asked for (AAM: "a pixel / no data"). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
