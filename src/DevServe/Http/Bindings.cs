using System.Collections;
using DevServe.Internal;

namespace DevServe;

/// <summary>
/// The bindings of a request, in order: query string, then <c>application/x-www-form-urlencoded</c> body fields
/// or <c>multipart/form-data</c> parts.
/// </summary>
/// <remarks>
/// Racket: <c>request-bindings/raw</c> with <c>bindings-assq</c> and <c>bindings-assq-all</c>. Parsing is lazy, like
/// Racket's bindings promise: a request whose bindings are never read never pays for them.
/// </remarks>
public sealed class Bindings : IReadOnlyList<Binding>
{
    /// <summary>No bindings.</summary>
    public static readonly Bindings Empty = new([]);

    private Binding[]? _items;
    private readonly string? _query;
    private readonly ReadOnlyMemory<byte> _form;
    private readonly Binding[]? _parts;

    /// <summary>Creates bindings from a list, in order.</summary>
    public Bindings(IEnumerable<Binding> items) => _items = [.. items];

    // Lazily parsed: the query string (without '?'), an urlencoded body, and already-read multipart parts.
    internal Bindings(string? query, ReadOnlyMemory<byte> form, Binding[]? parts)
    {
        _query = query;
        _form = form;
        _parts = parts;
    }

    /// <summary>The multipart parts the server read (their uploaded files are released when the request ends).</summary>
    internal Binding[]? Parts => _parts;

    private Binding[] Items => _items ??= Parse();

    private Binding[] Parse()
    {
        var list = new List<Binding>();
        if (!string.IsNullOrEmpty(_query))
        {
            FormUrlEncoded.Parse(_query, list);
        }
        if (!_form.IsEmpty)
        {
            FormUrlEncoded.Parse(System.Text.Encoding.UTF8.GetString(_form.Span), list);
        }
        if (_parts is not null)
        {
            list.AddRange(_parts);
        }
        return [.. list];
    }

    /// <summary>The value of the first binding named <paramref name="name"/>, or <c>null</c>.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var binding in Items)
            {
                if (binding.Name == name)
                {
                    return binding.Value;
                }
            }
            return null;
        }
    }

    /// <summary>The binding at <paramref name="index"/>.</summary>
    public Binding this[int index] => Items[index];

    /// <summary>The number of bindings.</summary>
    public int Count => Items.Length;

    /// <summary>Every value bound to <paramref name="name"/>, in order (Racket: <c>extract-bindings</c>).</summary>
    public IReadOnlyList<string> All(string name) => [.. Items.Where(b => b.Name == name).Select(b => b.Value)];

    /// <summary>Whether any binding is named <paramref name="name"/> (Racket: <c>exists-binding?</c>).</summary>
    public bool Contains(string name) => Items.Any(b => b.Name == name);

    /// <summary>The first uploaded file bound to <paramref name="name"/>, or <c>null</c>.</summary>
    public UploadedFile? File(string name) => Items.FirstOrDefault(b => b.Name == name && b.File is not null)?.File;

    /// <summary>Every uploaded file, in order.</summary>
    public IReadOnlyList<UploadedFile> Files => [.. Items.Where(b => b.File is not null).Select(b => b.File!)];

    /// <inheritdoc/>
    public IEnumerator<Binding> GetEnumerator() => ((IEnumerable<Binding>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
