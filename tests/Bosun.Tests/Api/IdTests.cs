using Bosun.Core.Common;

namespace Bosun.Tests.Api;

/// Lists and the claim's "oldest first" order by id, so ids must sort in the order they were made.
public sealed class IdTests
{
    [Fact]
    public void Ids_made_one_after_another_sort_in_the_order_they_were_made_even_within_a_millisecond()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => Ids.New()).ToList();

        Assert.All(ids, id => Assert.True(Ids.IsValid(id), id));
        Assert.All(ids.Zip(ids.Skip(1)), pair => Assert.True(string.CompareOrdinal(pair.First, pair.Second) < 0, $"{pair.First} then {pair.Second}"));
    }

    [Fact]
    public async Task Ids_made_on_many_threads_at_once_are_all_different()
    {
        var made = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => Ids.New()).ToList())));

        Assert.Equal(40_000, made.SelectMany(ids => ids).Distinct().Count());
    }
}
