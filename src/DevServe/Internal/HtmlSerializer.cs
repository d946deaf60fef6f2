using System.Text;
using System.Xml.Linq;

namespace DevServe.Internal;

/// <summary>
/// Writes an <see cref="XElement"/> as HTML, not XML: what <c>Response.Xexpr</c> sends (Racket: <c>xexpr-&gt;string</c>
/// as <c>response/xexpr</c> writes it).
/// </summary>
/// <remarks>
/// XML's <c>&lt;textarea /&gt;</c> or <c>&lt;script src=".." /&gt;</c> is an open tag to a browser, which then swallows
/// the rest of the page. Here void elements (<c>br</c>, <c>input</c>, <c>img</c>, ...) are written <c>&lt;br /&gt;</c>
/// and every other element gets an end tag, even when empty. Text and attribute values are escaped; the text of
/// <c>script</c> and <c>style</c> is written as it is (HTML does not unescape it), except that an end tag inside it is
/// broken up so it cannot close the element early (nor a comment opener start an escape). Element names are written without their namespace (an XHTML
/// <c>xmlns</c> is dropped); comments are kept, processing instructions dropped.
/// </remarks>
internal static class HtmlSerializer
{
    private static readonly HashSet<string> s_void = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    private static readonly XNamespace s_xhtml = "http://www.w3.org/1999/xhtml";

    /// <summary>The HTML text of <paramref name="element"/>.</summary>
    public static string Write(XElement element)
    {
        var html = new StringBuilder();
        Write(html, element);
        return html.ToString();
    }

    private static void Write(StringBuilder html, XElement element)
    {
        var name = element.Name.LocalName;
        html.Append('<').Append(name);
        foreach (var attribute in element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration && attribute.Value == s_xhtml.NamespaceName)
            {
                continue;
            }
            html.Append(' ').Append(AttributeName(element, attribute)).Append("=\"");
            Escape(html, attribute.Value, inAttribute: true);
            html.Append('"');
        }
        if (s_void.Contains(name))
        {
            html.Append(" />");   // a void element has no content: anything inside it would be lost to the browser anyway
            return;
        }
        html.Append('>');
        var raw = name.Equals("script", StringComparison.OrdinalIgnoreCase) || name.Equals("style", StringComparison.OrdinalIgnoreCase);
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XElement child:
                    Write(html, child);
                    break;
                case XText text when raw:   // XCData is an XText
                    // Neither an end tag nor a comment opener ("<!--<script" would swallow the page) can form inside.
                    html.Append(text.Value.Replace("</", "<\\/", StringComparison.Ordinal).Replace("<!--", "<\\!--", StringComparison.Ordinal));
                    break;
                case XText text:
                    Escape(html, text.Value, inAttribute: false);
                    break;
                case XComment comment:
                    // No "<" or ">" inside, and no "--": nothing in it can end the comment or open another.
                    html.Append("<!--").Append(comment.Value.Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
                        .Replace("--", "- -", StringComparison.Ordinal)).Append("-->");
                    break;
            }
        }
        html.Append("</").Append(name).Append('>');
    }

    private static string AttributeName(XElement element, XAttribute attribute)
    {
        if (attribute.IsNamespaceDeclaration)
        {
            return attribute.Name.Namespace == XNamespace.None ? "xmlns" : "xmlns:" + attribute.Name.LocalName;
        }
        if (attribute.Name.Namespace == XNamespace.None)
        {
            return attribute.Name.LocalName;
        }
        var prefix = element.GetPrefixOfNamespace(attribute.Name.Namespace);
        return prefix is null ? attribute.Name.LocalName : prefix + ":" + attribute.Name.LocalName;
    }

    private static void Escape(StringBuilder html, string text, bool inAttribute)
    {
        foreach (var c in text)
        {
            var entity = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' when inAttribute => "&quot;",
                _ => null,
            };
            if (entity is null)
            {
                html.Append(c);
            }
            else
            {
                html.Append(entity);
            }
        }
    }
}
