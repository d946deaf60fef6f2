using System.Globalization;
using System.Text;

namespace DevServe.Internal;

/// <summary>
/// A reader for the S-expression files Racket sites keep (passwords files, configuration tables): lists, strings,
/// symbols (including <c>|Bar quoted|</c> ones), numbers, and the quote prefix, which is dropped.
/// </summary>
/// <remarks>Values: <see cref="List{T}"/> of object for lists, <see cref="string"/> for strings, <see cref="Symbol"/>, <see cref="decimal"/>.</remarks>
internal static class SExpression
{
    /// <summary>A list, with where it starts in the file (for errors about what it says).</summary>
    public sealed class ListAt(int line, int column) : List<object>
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }

    /// <summary>A Racket symbol.</summary>
    public sealed record Symbol(string Name)
    {
        public override string ToString() => Name;
    }

    /// <summary>Reads the first datum of <paramref name="text"/>; <paramref name="source"/> names the file in errors.</summary>
    public static object Read(string text, string source)
    {
        var i = 0;
        var value = ReadDatum(text, ref i, source);
        SkipSpace(text, ref i);
        return value;
    }

    private static object ReadDatum(string text, ref int i, string source)
    {
        SkipSpace(text, ref i);
        if (i >= text.Length)
        {
            throw Error(text, i, source, "unexpected end of file");
        }
        switch (text[i])
        {
            case '\'':
                i++;
                return ReadDatum(text, ref i, source);
            case '(' or '[':
                return ReadList(text, ref i, source);
            case ')' or ']':
                throw Error(text, i, source, $"unexpected '{text[i]}'");
            case '"':
                return ReadString(text, ref i, source);
            default:
                return ReadAtom(text, ref i, source);
        }
    }

    private static ListAt ReadList(string text, ref int i, string source)
    {
        var close = text[i] == '(' ? ')' : ']';
        var (line, column) = Position(text, i);
        var list = new ListAt(line, column);
        i++;
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length)
            {
                throw Error(text, i, source, $"missing '{close}'");
            }
            if (text[i] == close)
            {
                i++;
                return list;
            }
            if (text[i] == '.' && i + 1 < text.Length && char.IsWhiteSpace(text[i + 1]))
            {
                i++;   // dotted pair: (a . b) reads as (a b)
                continue;
            }
            list.Add(ReadDatum(text, ref i, source));
        }
    }

    private static string ReadString(string text, ref int i, string source)
    {
        var sb = new StringBuilder();
        for (i++; i < text.Length && text[i] != '"'; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', var e => e });
            }
            else
            {
                sb.Append(text[i]);
            }
        }
        if (i >= text.Length)
        {
            throw Error(text, i, source, "unterminated string");
        }
        i++;
        return sb.ToString();
    }

    // A number (decimal, or a Racket fraction such as 1/20) or a symbol (|quoted parts| allowed).
    private static object ReadAtom(string text, ref int i, string source)
    {
        var sb = new StringBuilder();
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '[' or ']' or '"' or ';'))
        {
            if (text[i] == '|')
            {
                var end = text.IndexOf('|', i + 1);
                if (end < 0)
                {
                    throw Error(text, i, source, "unterminated |symbol|");
                }
                sb.Append(text, i + 1, end - i - 1);
                i = end + 1;
                continue;
            }
            sb.Append(text[i++]);
        }
        var atom = sb.ToString();
        if (decimal.TryParse(atom, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        if (atom.Contains('/') && atom.Split('/') is [var n, var d]
            && decimal.TryParse(n, CultureInfo.InvariantCulture, out var num) && decimal.TryParse(d, CultureInfo.InvariantCulture, out var den) && den != 0)
        {
            try
            {
                return num / den;
            }
            catch (OverflowException)
            {
                throw Error(text, i, source, $"the number {atom} is too large");
            }
        }
        return new Symbol(atom);
    }

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            else if (text[i] == ';')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private static FormatException Error(string text, int at, string source, string message)
    {
        var (line, column) = Position(text, at);
        return new FormatException($"{source}:{line}:{column}: {message}");
    }

    private static (int Line, int Column) Position(string text, int at)
    {
        var line = 1 + text.AsSpan(0, Math.Min(at, text.Length)).Count('\n');
        var column = at - (text.LastIndexOf('\n', Math.Max(0, Math.Min(at, text.Length) - 1)) + 1) + 1;
        return (line, column);
    }
}
