import { ParaphError } from '../../src/errors';
import { parseXmlTree } from '../../src/soap/xml-tree';

/** The request reader keeps one parser between calls; nothing of one message may reach the next. */
describe('reading one request after another', () => {
  const codeOf = (text: string): string | undefined => {
    try {
      parseXmlTree(text);
      return undefined;
    } catch (err) {
      return (err as ParaphError).code;
    }
  };

  it('does not carry a namespace declaration over to the next message', () => {
    const first = parseXmlTree('<a xmlns:x="urn:x"><x:b x:c="1">t</x:b></a>');
    expect(first.children[0]).toMatchObject({ localName: 'b', namespaceURI: 'urn:x', text: 't' });
    expect(first.children[0]?.attributes).toEqual([{ localName: 'c', namespaceURI: 'urn:x', value: '1' }]);
    expect(codeOf('<a><x:b/></a>')).toBe('XML_MALFORMED');
  });

  it('reads a good message whole after a malformed one, a DOCTYPE and a second root', () => {
    expect(codeOf('<a><b></a>')).toBe('XML_MALFORMED');
    expect(codeOf('<a><b>')).toBe('XML_MALFORMED');
    expect(codeOf('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(codeOf('<a/><b/>')).toBe('XML_MALFORMED');
    const tree = parseXmlTree('<?xml version="1.0"?><r><s>one</s><s><![CDATA[two]]></s></r>');
    expect(tree.children.map((c) => c.text)).toEqual(['one', 'two']);
  });

  it('does not carry text or children over from the message before', () => {
    parseXmlTree('<a>left over<b/></a>');
    expect(parseXmlTree('<c/>')).toEqual({ localName: 'c', namespaceURI: '', attributes: [], children: [], text: '' });
  });

  it('still refuses an undefined entity after one message used the predefined ones', () => {
    expect(parseXmlTree('<a>&lt;&amp;</a>').text).toBe('<&');
    expect(codeOf('<a>&custom;</a>')).toBe('XML_MALFORMED');
  });
});
