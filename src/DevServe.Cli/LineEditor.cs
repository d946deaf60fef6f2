using System.Text;
using DevServe.Hosting;

namespace DevServe.Cli;

/// <summary>
/// The prompt's line editor at a terminal: cursor movement, multi-line entries (Enter inserts a line until the code
/// is complete, then runs it), history (Up and Down, kept between sessions) and Tab completion from Roslyn.
/// </summary>
/// <remarks>
/// The smallest editor that does these, in one file: RadLine (the only one the feed serves; PrettyPrompt is not) is a
/// preview that needs Shift+Enter for a new line, which terminals and tmux do not tell from Enter. The entry is
/// redrawn whole after each key (ANSI: up, carriage return, clear to the end of the screen), wrapped rows counted
/// at the terminal's width. Ctrl+C is left to the process: it stops the server, as before.
/// Keys: arrows, Home/End (Ctrl+A/E), Backspace, Delete (Ctrl+D deletes, or ends the input on an empty entry),
/// Ctrl+U/Ctrl+K (cut to the start/end of the line), Tab (complete, or indent at the start of a line), Enter.
/// </remarks>
internal sealed class LineEditor(Func<string, bool> isComplete, Func<string, int, Task<ReplCompletion.Result>> complete, ReplHistory history)
{
    private const string Prompt = "> ";
    private const string Continuation = ". ";
    private readonly StringBuilder _text = new();
    private int _cursor;
    private int _cursorRow;   // the terminal row of the cursor, counted from the entry's first row

    /// <summary>Reads one entry; <c>null</c> at the end of input (Ctrl+D on an empty entry).</summary>
    public async Task<string?> ReadAsync()
    {
        _text.Clear();
        _cursor = 0;
        _cursorRow = 0;
        var past = history.All();   // a snapshot: entries the browser adds meanwhile do not shift what Up shows
        var browsing = past.Count;   // the history entry shown; Count = the entry being written
        var draft = "";
        Render();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            // AltGr arrives as Ctrl+Alt on some systems: with Alt, a character is typed, not a command.
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0 && (key.Modifiers & ConsoleModifiers.Alt) == 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    var entry = _text.ToString();
                    if (string.IsNullOrWhiteSpace(entry) || isComplete(entry))
                    {
                        _cursor = _text.Length;
                        Render();
                        Console.Write("\r\n");
                        history.Add(entry);
                        return entry;
                    }
                    Insert("\n" + Indentation());
                    break;
                case ConsoleKey.Tab:
                    await CompleteAsync();
                    break;
                case ConsoleKey.Backspace when _cursor > 0:
                    _text.Remove(--_cursor, 1);
                    break;
                case ConsoleKey.Delete when _cursor < _text.Length:
                    _text.Remove(_cursor, 1);
                    break;
                case ConsoleKey.D when control:
                    if (_text.Length == 0)
                    {
                        Console.Write("\r\n");
                        return null;
                    }
                    if (_cursor < _text.Length)
                    {
                        _text.Remove(_cursor, 1);
                    }
                    break;
                case ConsoleKey.LeftArrow when _cursor > 0:
                    _cursor--;
                    break;
                case ConsoleKey.RightArrow when _cursor < _text.Length:
                    _cursor++;
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when control:
                    _cursor = LineStart(_cursor);
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when control:
                    _cursor = LineEnd(_cursor);
                    break;
                case ConsoleKey.U when control:
                    _text.Remove(LineStart(_cursor), _cursor - LineStart(_cursor));
                    _cursor = LineStart(_cursor);
                    break;
                case ConsoleKey.K when control:
                    _text.Remove(_cursor, LineEnd(_cursor) - _cursor);
                    break;
                case ConsoleKey.UpArrow when LineStart(_cursor) > 0:
                    MoveToLine(LineStart(_cursor) - 1);
                    break;
                case ConsoleKey.DownArrow when LineEnd(_cursor) < _text.Length:
                    MoveToLine(LineEnd(_cursor) + 1);
                    break;
                case ConsoleKey.UpArrow when browsing > 0:
                    draft = browsing == past.Count ? _text.ToString() : draft;
                    Replace(past[--browsing]);
                    break;
                case ConsoleKey.DownArrow when browsing < past.Count:
                    browsing++;
                    Replace(browsing == past.Count ? draft : past[browsing]);
                    break;
                default:
                    if (key.KeyChar >= ' ' && !control)
                    {
                        if (key.KeyChar == '}' && _cursor - LineStart(_cursor) >= 4
                            && string.IsNullOrWhiteSpace(_text.ToString(LineStart(_cursor), _cursor - LineStart(_cursor))))
                        {
                            _text.Remove(_cursor - 4, 4);   // a closing brace steps back out
                            _cursor -= 4;
                        }
                        Insert(key.KeyChar.ToString());
                    }
                    else
                    {
                        continue;   // nothing changed: no redraw
                    }
                    break;
            }
            Render();
        }
    }

    private void Insert(string text)
    {
        _text.Insert(_cursor, text);
        _cursor += text.Length;
    }

    private void Replace(string text)
    {
        _text.Clear().Append(text);
        _cursor = text.Length;
    }

    // The new line starts where the one before it did, one step in after an opening brace.
    private string Indentation()
    {
        var line = _text.ToString(LineStart(_cursor), _cursor - LineStart(_cursor));
        var indent = line[..(line.Length - line.TrimStart().Length)];
        return line.TrimEnd().EndsWith('{') ? indent + "    " : indent;
    }

    private int LineStart(int at)
    {
        while (at > 0 && _text[at - 1] != '\n')
        {
            at--;
        }
        return at;
    }

    private int LineEnd(int at)
    {
        while (at < _text.Length && _text[at] != '\n')
        {
            at++;
        }
        return at;
    }

    // Onto the line around index `at`, at the same column (or its end).
    private void MoveToLine(int at)
    {
        var column = _cursor - LineStart(_cursor);
        var start = LineStart(at);
        _cursor = Math.Min(start + column, LineEnd(start));
    }

    private async Task CompleteAsync()
    {
        var lineStart = LineStart(_cursor);
        if (string.IsNullOrWhiteSpace(_text.ToString(lineStart, _cursor - lineStart)))
        {
            Insert("    ");
            return;
        }
        var result = await complete(_text.ToString(), _cursor);
        if (result.Items.Count == 0)
        {
            Console.Write('\a');
            return;
        }
        var typed = _text.ToString(result.Start, result.Length);
        var common = result.Items.Count == 1 ? result.Items[0] : CommonPrefix(result.Items);
        if (common.Length > typed.Length || result.Items.Count == 1)
        {
            _text.Remove(result.Start, result.Length).Insert(result.Start, common);
            _cursor = result.Start + common.Length;
            return;
        }
        // Several, and nothing more in common: list them under the entry, then draw the entry again below.
        _cursor = _text.Length;
        Render();
        Console.Write("\r\n" + string.Join("  ", result.Items.Take(60)) + (result.Items.Count > 60 ? $"  (+{result.Items.Count - 60} more)" : "") + "\r\n");
        _cursorRow = 0;
        _cursor = result.Start + result.Length;
    }

    private static string CommonPrefix(IReadOnlyList<string> items)
    {
        var prefix = items[0];
        foreach (var item in items.Skip(1))
        {
            var n = 0;
            while (n < prefix.Length && n < item.Length && prefix[n] == item[n])
            {
                n++;
            }
            prefix = prefix[..n];
        }
        return prefix;
    }

    // Draws the entry again from its first row and puts the terminal's cursor where the editor's is.
    private void Render()
    {
        var width = Math.Max(10, Console.IsOutputRedirected ? 80 : Console.WindowWidth);
        var output = new StringBuilder("\r");
        if (_cursorRow > 0)
        {
            output.Append("\x1b[").Append(_cursorRow).Append('A');
        }
        output.Append("\x1b[J");
        var lines = _text.ToString().Split('\n');
        int row = 0, cursorRow = 0, cursorColumn = 0, index = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var prompt = i == 0 ? Prompt : Continuation;
            output.Append(i == 0 ? "" : "\r\n").Append(prompt).Append(lines[i]);
            if (_cursor >= index && _cursor <= index + lines[i].Length)
            {
                var column = prompt.Length + _cursor - index;
                cursorRow = row + column / width;
                cursorColumn = column % width;
            }
            var length = prompt.Length + lines[i].Length;
            row += Math.Max(1, (length + width - 1) / width);
            if (i == lines.Length - 1 && length % width == 0)
            {
                // The last row is full: the terminal waits at its end to wrap. Go down, so the cursor is where it is counted.
                output.Append("\r\n");
                row++;
            }
            else if (cursorRow == row && cursorColumn == 0)
            {
                cursorRow--;   // the end of a full row that is not the last: show the cursor at that row's end
                cursorColumn = width - 1;
            }
            index += lines[i].Length + 1;
        }
        var lastRow = row - 1;
        if (lastRow > cursorRow)
        {
            output.Append("\x1b[").Append(lastRow - cursorRow).Append('A');
        }
        output.Append('\r');
        if (cursorColumn > 0)
        {
            output.Append("\x1b[").Append(cursorColumn).Append('C');
        }
        Console.Write(output.ToString());
        _cursorRow = cursorRow;
    }
}
