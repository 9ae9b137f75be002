/**
 * Root hooks: Baileys turns every unanswered iq into a rejected promise nobody awaits. The simulator must
 * answer everything, so the whole suite must finish without a single unhandled rejection.
 */
import { expect } from 'chai'

const rejections: unknown[] = []
const record = (reason: unknown): void => {
  rejections.push(reason)
}

before(() => {
  process.on('unhandledRejection', record)
})

after(() => {
  process.off('unhandledRejection', record)
  expect(rejections.map(String), 'unhandled rejections during the suite').to.deep.equal([])
})
