/** A person's name as pages, letters and notifications show it: given names, then family name. */
export function fullName(person: { givenNames: string; familyName: string }): string {
  return `${person.givenNames} ${person.familyName}`;
}
