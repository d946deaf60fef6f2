using System.CommandLine;
using System.Globalization;

namespace DevServe.Cli;

/// <summary>
/// <c>devserve keys list|rotate|retire ID --key-ring RING</c>: the key ring stateless links are signed with, shared by
/// every node (<c>--key-ring</c> of <c>run</c>). Rotate, wait until the old key's links may go, then retire it.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var ring = new Option<string>("--key-ring")
        {
            Description = "The key ring: a file, or redis://host:port (as the nodes' --key-ring).",
            Required = true,
        };
        var id = new Argument<string>("id") { Description = "The key's id (or the start of it) as `keys list` shows it." };
        var list = new Command("list", "List the keys, newest (the one that signs) first.") { ring };
        var rotate = new Command("rotate", "Add a new key; it signs every new link from now on, and the old keys still verify.") { ring };
        var retire = new Command("retire", "Remove a key: the links it signed become invalid. The newest cannot be retired.") { ring, id };
        list.SetAction((parse, _) => RunAsync(parse.GetValue(ring)!, keys =>
        {
            foreach (var (entry, i) in keys.Entries.Select((e, i) => (e, i)))
            {
                Console.WriteLine($"{entry.Id}  {entry.Created.ToString("u", CultureInfo.InvariantCulture)}{(i == 0 ? "  signs" : "  verifies")}");
            }
        }));
        rotate.SetAction((parse, _) => RunAsync(parse.GetValue(ring)!, keys =>
            Console.WriteLine($"{keys.Rotate().Id}: signs new links from now on (other nodes within {keys.RefreshInterval.TotalSeconds:0} s).")));
        retire.SetAction((parse, _) => RunAsync(parse.GetValue(ring)!, keys =>
            Console.WriteLine($"{keys.Retire(parse.GetValue(id)!).Id}: retired; the links it signed are invalid now.")));
        return new Command("keys", "Show, rotate and retire the keys that sign stateless links (a shared key ring).") { list, rotate, retire };
    }

    private static async Task<int> RunAsync(string ring, Action<KeyRing> act)
    {
        try
        {
            act(LinkStorage.Ring(ring, make: false));
            return 0;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"devserve: {e.Message}");
            return 2;
        }
    }
}
