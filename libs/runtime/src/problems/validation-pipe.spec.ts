import {
  ArgumentMetadata,
  HttpException,
  Type as ClassType,
  ValidationPipe,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CompiledRules,
  compileRules,
  createValidationPipe,
  VALIDATION_PIPE_OPTIONS,
} from './validation-pipe';

function IsEven(): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isEven',
      target: target.constructor,
      propertyName: property as string,
      options: { message: '$property must be even' },
      validator: { validate: (value: unknown) => Number(value) % 2 === 0 },
    });
}

class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,16}$/, { message: 'cursor must be a cursor' })
  cursor?: string;
}

class ItemQuery extends PageQuery {
  @IsOptional()
  @IsIn(['pending', 'running'])
  state?: string;

  @IsOptional()
  @IsEven()
  @Type(() => Number)
  size?: number;

  @ValidateIf((query: ItemQuery) => query.state === 'running')
  @IsString()
  reason?: string;
}

class CreateBody {
  @IsString()
  @Matches(/^[a-z]+$/)
  name!: string;

  @IsOptional()
  @IsInt()
  count?: number;
}

class Nested {
  @IsString() inner!: string;
}

class WithNested {
  @ValidateNested()
  @Type(() => Nested)
  nested!: Nested;
}

class Defined {
  @IsDefined() must!: string;
}

class NoRules {
  free?: string;
}

const fast = createValidationPipe();
const full = new ValidationPipe(VALIDATION_PIPE_OPTIONS);

/** What a pipe answers: the DTO (class and fields), or the problem it throws. */
async function outcome(
  pipe: ValidationPipe,
  value: unknown,
  metadata: ArgumentMetadata,
): Promise<unknown> {
  try {
    const dto = (await pipe.transform(structuredClone(value), metadata)) as
      | object
      | undefined;
    return {
      accepted: dto?.constructor?.name,
      fields: dto === undefined ? dto : { ...dto },
    };
  } catch (error) {
    return {
      refused:
        error instanceof HttpException ? error.getResponse() : String(error),
    };
  }
}

const cases: [ClassType<unknown>, 'query' | 'body', unknown[]][] = [
  [
    ItemQuery,
    'query',
    [
      {},
      { limit: '50' },
      { limit: '1' },
      { limit: '500' },
      { limit: '0' },
      { limit: '501' },
      { limit: '1.5' },
      { limit: '1e2' },
      { limit: '' },
      { limit: 'ten' },
      { limit: ['1', '2'] },
      { cursor: 'abc_-09' },
      { cursor: 'not a cursor' },
      { cursor: '' },
      { state: 'pending', limit: '20' },
      { state: 'gone' },
      { size: '4' },
      { size: '3' },
      { state: 'running' },
      { state: 'running', reason: 'why' },
      { state: 'pending', reason: 'ignored when not running' },
      { unknown: 'x' },
      { limit: '50', unknown: 'x' },
      { limit: { nested: '1' } },
      Object.assign(Object.create(null) as object, { limit: '7' }),
    ],
  ],
  [
    CreateBody,
    'body',
    [
      { name: 'abc' },
      { name: 'abc', count: 3 },
      { name: 'abc', count: 3.5 },
      { name: 'abc', count: '3' },
      { name: 'ABC' },
      { name: 42 },
      {},
      { name: null },
      { name: 'abc', count: null },
      { name: 'abc', extra: true },
      [],
      'text',
      null,
    ],
  ],
  [WithNested, 'body', [{ nested: { inner: 'x' } }, { nested: { inner: 1 } }]],
  [Defined, 'body', [{ must: 'x' }, {}]],
  [NoRules, 'body', [{}, { free: 'x' }]],
];

describe('createValidationPipe (rules compiled once per class)', () => {
  it.each(
    cases.flatMap(([dto, type, values]) =>
      values.map((value) => [dto.name, type, value, dto] as const),
    ),
  )(
    '%s %s %j: the same DTO or the same problem as the full ValidationPipe',
    async (_name, type, value, metatype) => {
      const metadata: ArgumentMetadata = { type, metatype };
      expect(await outcome(fast, value, metadata)).toEqual(
        await outcome(full, value, metadata),
      );
    },
  );

  it('answers flat DTOs from the compiled rules, so the cases above compare the fast path', () => {
    for (const dto of [PageQuery, ItemQuery, CreateBody])
      expect(compileRules(dto)).toBeDefined();
    const rules = compileRules(ItemQuery) as CompiledRules;
    const entity = (value: object): Record<string, unknown> =>
      Object.assign(new ItemQuery(), value) as Record<string, unknown>;
    expect(rules.accept(entity({ limit: 50 }))).toBe(true);
    expect(rules.accept(entity({ limit: 501 }))).toBe(false);
    expect(rules.accept(entity({ state: 'running' }))).toBe(false);
    expect(rules.accept(entity({ surprise: 'x' }))).toBe(false);
  });

  it('leaves classes it cannot prove to the full pipe', () => {
    for (const dto of [WithNested, Defined, NoRules, String, Object])
      expect(compileRules(dto)).toBeUndefined();
  });

  it('refuses with the validation-error problem naming the field', async () => {
    await expect(
      fast.transform({ limit: '0' }, { type: 'query', metatype: ItemQuery }),
    ).rejects.toMatchObject({
      problem: {
        type: expect.stringContaining('validation-error'),
        errors: [{ field: 'limit', message: 'limit must not be less than 1' }],
      },
    });
  });
});
