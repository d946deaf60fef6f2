using System.Text.Json;

namespace DevServe.Cli;

/// <summary>
/// The REPL's entries, kept between sessions in a file (one JSON string per line, so an entry may span lines): the
/// terminal's Up and Down and the browser REPL's history read the same list.
/// </summary>
/// <remarks>The last <see cref="Capacity"/> entries are read; each entry is appended as it is run, so two sessions at once both keep theirs.</remarks>
internal sealed class ReplHistory
{
    /// <summary>How many entries are kept.</summary>
    public const int Capacity = 1000;

    private readonly List<string> _entries = [];
    private readonly string? _path;

    /// <summary>The history in <paramref name="path"/> (made when the first entry is added); <c>null</c> = kept in memory only.</summary>
    public ReplHistory(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path))
        {
            return;
        }
        try
        {
            foreach (var line in File.ReadLines(path).TakeLast(Capacity))
            {
                if (TryRead(line) is { } entry)
                {
                    _entries.Add(entry);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"devserve: the REPL history {path} cannot be read ({e.Message}); this session keeps its own.");
            _path = null;
        }
    }

    /// <summary>The default file: <c>$XDG_STATE_HOME/devserve/repl-history</c>, else <c>~/.local/state/devserve/repl-history</c>.</summary>
    public static string DefaultPath(string? xdgStateHome)
        => Path.Combine(xdgStateHome ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
            "devserve", "repl-history");

    /// <summary>The entries, oldest first.</summary>
    public IReadOnlyList<string> All()
    {
        lock (_entries)
        {
            return [.. _entries];
        }
    }

    /// <summary>Adds <paramref name="entry"/> (not a blank one, nor the same as the last) and appends it to the file.</summary>
    public void Add(string entry)
    {
        entry = entry.TrimEnd('\n', '\r');
        lock (_entries)
        {
            if (string.IsNullOrWhiteSpace(entry) || (_entries.Count > 0 && _entries[^1] == entry))
            {
                return;
            }
            _entries.Add(entry);
            if (_entries.Count > Capacity)
            {
                _entries.RemoveAt(0);
            }
            if (_path is null)
            {
                return;
            }
            try
            {
                // Entries may hold secrets: the folder and the file are the user's alone (Unix modes; elsewhere the defaults).
                var directory = Path.GetDirectoryName(_path)!;
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(directory);
                }
                else
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                using var file = new FileStream(_path, options);
                using var writer = new StreamWriter(file);
                writer.Write(JsonSerializer.Serialize(entry) + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"devserve: the REPL history {_path} cannot be written ({e.Message}); this session keeps its own.");
            }
        }
    }

    private static string? TryRead(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<string>(line);
        }
        catch (JsonException)
        {
            return null;   // a line some other hand wrote: skipped
        }
    }
}
