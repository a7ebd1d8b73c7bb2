import { Injectable } from '@nestjs/common';

/** The search service was unreachable; worth another try. */
export class SearchUnavailable extends Error {
  override readonly name = 'SearchUnavailable';
}

/**
 * Where the demo would tell a search service how popular an article is. The demo keeps the ranks in
 * memory; a real app would call its search cluster here, which can be briefly down.
 */
@Injectable()
export class SearchIndex {
  private readonly ranks = new Map<string, number>();

  update(slug: string, reads: number): void {
    this.ranks.set(slug, reads);
  }

  rankOf(slug: string): number | null {
    return this.ranks.get(slug) ?? null;
  }
}
