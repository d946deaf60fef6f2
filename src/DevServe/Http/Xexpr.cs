using System.Collections;
using System.Xml.Linq;

namespace DevServe;

/// <summary>
/// HTML written like Racket's x-expressions: <c>A(("href", url), "text")</c> for <c>`(a ((href ,url)) "text")</c>. Each
/// element is a method taking its attributes as <c>("name", "value")</c> pairs, then its children: elements, text,
/// numbers, sequences of them (<c>Ul(posts.Select(p =&gt; Li(p.Title)))</c>) and <c>null</c> (left out). Text and
/// attribute values are escaped when the page is written, so nothing a user typed can become markup.
/// </summary>
/// <remarks>
/// The result is an <see cref="XElement"/>: <see cref="Response.Xexpr"/> sends it as HTML, and an
/// <see cref="EmbedUrl"/> goes straight into an attribute, <c>A(("href", embed(ViewPost)), post.Title)</c>. Scripts
/// import this class, so they write <c>Html(Head(Title("Blog")), Body(H1("Blog")))</c>. An element without a method
/// here (or whose name C# already uses, as <c>script</c> and <c>header</c>) is <see cref="El"/>. Racket:
/// <c>xexpr</c> (xml/xexpr.rkt) with <c>response/xexpr</c>.
/// </remarks>
public static class Xexpr
{
    /// <summary>An element named <paramref name="name"/>: <c>El("script", ("src", "/app.js"))</c>.</summary>
    /// <param name="name">The element's name.</param>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement El(string name, params object?[] content)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var element = new XElement(name);
        foreach (var item in content ?? [])
        {
            Add(element, item);
        }
        return element;
    }

    /// <summary>An attribute for an element method, when a pair will not do (a value that is not a string).</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value, written as text.</param>
    public static XAttribute At(string name, object value) => new(name, value);

    private static void Add(XElement element, object? item)
    {
        switch (item)
        {
            case null:
                break;
            case System.Runtime.CompilerServices.ITuple { Length: 2 } pair when pair[0] is string name:
                // An attribute; a null value leaves it out: ("checked", done ? "checked" : null).
                element.SetAttributeValue(name, pair[1]);
                break;
            case string or XNode or XAttribute:
                element.Add(item);
                break;
            case IEnumerable sequence:
                foreach (var child in sequence)
                {
                    Add(element, child);
                }
                break;
            default:
                element.Add(item);   // a number, a date: written as text
                break;
        }
    }

    /// <summary>A <c>html</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Html(params object?[] content) => El("html", content);

    /// <summary>A <c>head</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Head(params object?[] content) => El("head", content);

    /// <summary>A <c>title</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Title(params object?[] content) => El("title", content);

    /// <summary>A <c>meta</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Meta(params object?[] content) => El("meta", content);

    /// <summary>A <c>link</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Link(params object?[] content) => El("link", content);

    /// <summary>A <c>style</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Style(params object?[] content) => El("style", content);

    /// <summary>A <c>body</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Body(params object?[] content) => El("body", content);

    /// <summary>A <c>main</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Main(params object?[] content) => El("main", content);

    /// <summary>A <c>nav</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Nav(params object?[] content) => El("nav", content);

    /// <summary>A <c>section</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Section(params object?[] content) => El("section", content);

    /// <summary>A <c>article</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Article(params object?[] content) => El("article", content);

    /// <summary>A <c>footer</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Footer(params object?[] content) => El("footer", content);

    /// <summary>A <c>div</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Div(params object?[] content) => El("div", content);

    /// <summary>A <c>span</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Span(params object?[] content) => El("span", content);

    /// <summary>A <c>h1</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H1(params object?[] content) => El("h1", content);

    /// <summary>A <c>h2</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H2(params object?[] content) => El("h2", content);

    /// <summary>A <c>h3</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H3(params object?[] content) => El("h3", content);

    /// <summary>A <c>h4</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H4(params object?[] content) => El("h4", content);

    /// <summary>A <c>h5</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H5(params object?[] content) => El("h5", content);

    /// <summary>A <c>h6</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement H6(params object?[] content) => El("h6", content);

    /// <summary>A <c>p</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement P(params object?[] content) => El("p", content);

    /// <summary>A <c>a</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement A(params object?[] content) => El("a", content);

    /// <summary>A <c>em</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Em(params object?[] content) => El("em", content);

    /// <summary>A <c>strong</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Strong(params object?[] content) => El("strong", content);

    /// <summary>A <c>b</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement B(params object?[] content) => El("b", content);

    /// <summary>A <c>i</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement I(params object?[] content) => El("i", content);

    /// <summary>A <c>small</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Small(params object?[] content) => El("small", content);

    /// <summary>A <c>code</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Code(params object?[] content) => El("code", content);

    /// <summary>A <c>pre</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Pre(params object?[] content) => El("pre", content);

    /// <summary>A <c>blockquote</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Blockquote(params object?[] content) => El("blockquote", content);

    /// <summary>A <c>br</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Br(params object?[] content) => El("br", content);

    /// <summary>A <c>hr</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Hr(params object?[] content) => El("hr", content);

    /// <summary>A <c>img</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Img(params object?[] content) => El("img", content);

    /// <summary>A <c>ul</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Ul(params object?[] content) => El("ul", content);

    /// <summary>A <c>ol</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Ol(params object?[] content) => El("ol", content);

    /// <summary>A <c>li</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Li(params object?[] content) => El("li", content);

    /// <summary>A <c>dl</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Dl(params object?[] content) => El("dl", content);

    /// <summary>A <c>dt</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Dt(params object?[] content) => El("dt", content);

    /// <summary>A <c>dd</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Dd(params object?[] content) => El("dd", content);

    /// <summary>A <c>table</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Table(params object?[] content) => El("table", content);

    /// <summary>A <c>thead</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Thead(params object?[] content) => El("thead", content);

    /// <summary>A <c>tbody</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Tbody(params object?[] content) => El("tbody", content);

    /// <summary>A <c>tr</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Tr(params object?[] content) => El("tr", content);

    /// <summary>A <c>th</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Th(params object?[] content) => El("th", content);

    /// <summary>A <c>td</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Td(params object?[] content) => El("td", content);

    /// <summary>A <c>form</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Form(params object?[] content) => El("form", content);

    /// <summary>A <c>label</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Label(params object?[] content) => El("label", content);

    /// <summary>A <c>input</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Input(params object?[] content) => El("input", content);

    /// <summary>A <c>textarea</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Textarea(params object?[] content) => El("textarea", content);

    /// <summary>A <c>select</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Select(params object?[] content) => El("select", content);

    /// <summary>A <c>option</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Option(params object?[] content) => El("option", content);

    /// <summary>A <c>button</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Button(params object?[] content) => El("button", content);

    /// <summary>A <c>fieldset</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Fieldset(params object?[] content) => El("fieldset", content);

    /// <summary>A <c>legend</c> element.</summary>
    /// <param name="content">Its attributes (<c>("name", "value")</c> pairs), children and text.</param>
    public static XElement Legend(params object?[] content) => El("legend", content);
}
