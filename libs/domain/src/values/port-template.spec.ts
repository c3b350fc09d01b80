import { ValidationError } from '../errors';
import {
  portPlaceholder,
  portPlaceholderKey,
  validatePortTemplate,
} from './port-template';

describe('port templates', () => {
  it('names placeholders ${PORT_<NAME_UPPER>}', () => {
    expect(portPlaceholderKey('serial_1')).toBe('SERIAL_1');
    expect(portPlaceholder('vnc-1')).toBe('${PORT_VNC_1}');
  });

  it('accepts unique identifier names with tcp or udp', () => {
    expect(() =>
      validatePortTemplate([
        { name: 'serial_1', protocol: 'tcp' },
        { name: 'vnc_1', protocol: 'udp' },
      ]),
    ).not.toThrow();
    expect(() => validatePortTemplate([])).not.toThrow();
  });

  it('rejects duplicate names, including ones that share a placeholder', () => {
    expect(() =>
      validatePortTemplate([
        { name: 'a', protocol: 'tcp' },
        { name: 'a', protocol: 'tcp' },
      ]),
    ).toThrow(ValidationError);
    expect(() =>
      validatePortTemplate([
        { name: 'vnc-1', protocol: 'tcp' },
        { name: 'VNC_1', protocol: 'tcp' },
      ]),
    ).toThrow(/clashes/);
  });

  it('rejects bad names and protocols', () => {
    expect(() =>
      validatePortTemplate([{ name: '1st', protocol: 'tcp' }]),
    ).toThrow(ValidationError);
    expect(() =>
      validatePortTemplate([{ name: '<script>', protocol: 'tcp' }]),
    ).toThrow(ValidationError);
    expect(() =>
      validatePortTemplate([{ name: 'a', protocol: 'http' as 'tcp' }]),
    ).toThrow(ValidationError);
  });
});
